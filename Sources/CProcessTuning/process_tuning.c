#include "process_tuning.h"

#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static int limited = 0;

__attribute__((constructor)) static void process_tuning_limit_malloc_arenas(void) {
#if defined(__GLIBC__)
    if (getenv("MALLOC_ARENA_MAX") == NULL) {
        limited = mallopt(M_ARENA_MAX, 2) == 1;
    }
#endif
}

int process_tuning_malloc_arenas_limited(void) {
    return limited;
}
