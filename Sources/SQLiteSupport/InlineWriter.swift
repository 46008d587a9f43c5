import GRDB
import GRDBSQLite
import Synchronization

/// A second write connection to a WAL database, on which a transaction runs synchronously on
/// the caller's own thread.
///
/// A `DatabasePool` write hands its transaction to the pool's writer queue (a dispatch thread
/// is woken) and then resumes the waiting task (a cooperative thread is woken): two thread
/// wake-ups per transaction, each of which costs more than a small commit on a 2-core VM. When
/// the caller already serialises its writes (an actor, or the journal's group commit), that
/// queue adds no isolation, so ``write(_:)`` runs the transaction where the caller is when it can.
///
/// It never waits, so a cooperative thread is never parked on a lock:
/// - its busy timeout is zero: when another connection (the pool's writer, or another process)
///   holds the write lock, `BEGIN IMMEDIATE` fails at once with `SQLITE_BUSY`;
/// - when another thread of this process is already writing on it, it is not waited for.
///
/// In both cases ``writeIfFree(_:)`` returns nil with nothing done (a transaction that fails is
/// rolled back), and ``write(_:)`` takes the pool's asynchronous path instead, which waits out
/// the lock on the pool's queue. Any other error is thrown as it is.
///
/// Nor does it checkpoint the WAL in the caller's commit: SQLite's automatic checkpoint (once
/// the WAL holds 1,000 pages) copies the WAL into the database file and syncs both, which is
/// milliseconds of I/O in whichever commit crosses the threshold. Here a WAL hook replaces it:
/// the commit that finds ``checkpointPages`` or more pages in the WAL only asks the pool's
/// writer queue for a `RESTART` checkpoint (one at a time), off the caller's thread. From that
/// request until the checkpoint is done, inline writes decline and queue on the pool's writer
/// queue behind it, so it gets the write lock (its busy handler would otherwise lose every race
/// to back-to-back inline commits), and the WAL starts again from its beginning afterwards: it
/// stays bounded under continuous writes, which a `PASSIVE` checkpoint racing them does not
/// ensure. The pool's own
/// connections keep their automatic checkpoints.
public final class InlineWriter: Sendable {
    /// The WAL size, in pages, from which a commit asks for a checkpoint (SQLite's default
    /// `wal_autocheckpoint`).
    public static let checkpointPages = 1000

    private let queue: DatabaseQueue
    private let pool: DatabasePool
    private let checkpoints: WALCheckpoints
    private let inUse = Atomic(false)
    private let ranInline = Atomic(0)
    private let declined = Atomic(0)

    /// How many transactions ran inline, and how many found the lock taken, so far.
    public struct Counts: Sendable, Equatable {
        /// Transactions committed on the caller's thread.
        public var inline: Int
        /// Calls that found the lock taken: the pool's writer queue did them (or, from
        /// ``writeIfFree(_:)``, the caller).
        public var declined: Int

        /// Counts of `inline` and `declined` transactions.
        public init(inline: Int, declined: Int) {
            self.inline = inline
            self.declined = declined
        }
    }

    /// The counts so far (for benchmarks and tests).
    public var counts: Counts {
        Counts(inline: ranInline.load(ordering: .relaxed), declined: declined.load(ordering: .relaxed))
    }

    /// Opens a connection to the existing database at `path` that `pool` opened (and set to
    /// WAL mode); `prepare` runs on it first (the same pragmas as the pool's, since
    /// `synchronous` and the page cache are per connection). The WAL's checkpoints run on
    /// `pool`'s writer queue.
    public init(
        path: String, label: String, pool: DatabasePool, prepare: @escaping @Sendable (Database) throws -> Void
    ) throws {
        let checkpoints = WALCheckpoints(pool: pool)
        self.checkpoints = checkpoints
        self.pool = pool
        var configuration = Configuration()
        configuration.busyMode = .immediateError
        configuration.label = label
        configuration.prepareDatabase { db in
            try prepare(db)
            checkpoints.install(on: db)
        }
        // This connection never waits for a lock (busy mode immediateError), so its own open
        // waits out another process's (``LockedOpen``).
        queue = try LockedOpen.retrying { try DatabaseQueue(path: path, configuration: configuration) }
    }

    /// Checkpoints asked of the pool so far (for tests).
    public var checkpointsRequested: Int { checkpoints.requested.load(ordering: .relaxed) }

    /// Runs `body` in one `IMMEDIATE` transaction: on the calling thread when the write lock is
    /// free at once (``writeIfFree(_:)``), else on the pool's writer queue, which waits out the
    /// lock. The way the journal, the data store and the sync target write to SQLite.
    ///
    /// `nonisolated(nonsending)`: it runs on the caller's executor, so an actor's inline write
    /// stays on the actor, with no hop and no interleaving; only the fallback suspends.
    /// Throws what `body` throws, or GRDB's error.
    nonisolated(nonsending) public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if let result = try writeIfFree(body) { return result }
        // A pool's write transactions are IMMEDIATE (GRDB 6 and later).
        return try await pool.write(body)
    }

    /// Runs `body` in one `IMMEDIATE` transaction on the calling thread and returns its result,
    /// or nil, with nothing done, when the write lock is taken or a checkpoint is waiting for it
    /// (see the type's documentation).
    public func writeIfFree<T>(_ body: (Database) throws -> T) throws -> T? {
        // A checkpoint asked of the pool's queue needs the write lock to restart the WAL: were
        // inline commits to go on, they would retake the lock between its busy-handler retries
        // and starve it (the WAL then grows for as long as they write). Until it is done, writes
        // go through the pool's queue, behind it.
        guard !checkpoints.inFlight.load(ordering: .acquiring),
              inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            declined.add(1, ordering: .relaxed)
            return nil
        }
        defer { inUse.store(false, ordering: .releasing) }
        let result = try transaction(body)
        if result == nil {
            declined.add(1, ordering: .relaxed)
        } else {
            ranInline.add(1, ordering: .relaxed)
        }
        return result
    }

    private func transaction<T>(_ body: (Database) throws -> T) throws -> T? {
        do {
            return try queue.writeWithoutTransaction { db -> T? in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result
            }
        } catch let error as DatabaseError where error.resultCode.primaryResultCode == .SQLITE_BUSY {
            return nil
        }
    }
}

/// The WAL hook of an ``InlineWriter``'s connection: past ``InlineWriter/checkpointPages``, a
/// `RESTART` checkpoint on the pool's writer queue, never two at once.
private final class WALCheckpoints: Sendable {
    let pool: DatabasePool
    let inFlight = Atomic(false)
    let requested = Atomic(0)

    init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Replaces the connection's automatic checkpoint (itself a WAL hook) with ``walGrew(to:)``.
    /// The connection is the writer's, which lives no longer than the writer that holds `self`.
    func install(on db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, { context, _, _, pages in
            if let context {
                Unmanaged<WALCheckpoints>.fromOpaque(context).takeUnretainedValue().walGrew(to: Int(pages))
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Called by SQLite inside a commit with the WAL's size in pages: only asks, never waits.
    private func walGrew(to pages: Int) {
        guard pages >= InlineWriter.checkpointPages,
              inFlight.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return }
        requested.add(1, ordering: .relaxed)
        pool.asyncWriteWithoutTransaction { db in
            // A checkpoint that fails (a reader still on the WAL past the busy timeout, a full
            // disk) leaves the WAL as it is; the next commit past the threshold asks again, and
            // writes still go through.
            _ = try? db.checkpoint(.restart)
            self.inFlight.store(false, ordering: .releasing)
        }
    }
}
