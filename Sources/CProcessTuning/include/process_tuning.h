#ifndef PROCESS_TUNING_H
#define PROCESS_TUNING_H

/// Whether this process capped glibc's malloc arenas at 2 when it started.
///
/// glibc gives threads their own malloc arenas (up to 8 per core) and keeps freed memory in
/// each; with the runtime's threads (Swift concurrency, GRDB's queues, NIO's event loops) that
/// retained 10-15 MB more than two arenas do, at the same throughput. The cap must be set
/// before a second arena exists, so a constructor sets it when the executable loads, unless
/// MALLOC_ARENA_MAX is in the environment (glibc then applies that). Only the executables link
/// this target; calling this function keeps the constructor linked in.
int process_tuning_malloc_arenas_limited(void);

#endif
