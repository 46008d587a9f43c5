import GRDB
import Synchronization

/// A second write connection to a WAL database, on which a transaction runs synchronously on
/// the caller's own thread.
///
/// A `DatabasePool` write hands its transaction to the pool's writer queue (a dispatch thread
/// is woken) and then resumes the waiting task (a cooperative thread is woken): two thread
/// wake-ups per transaction, each of which costs more than a small commit on a 2-core VM. When
/// the caller already serialises its writes (an actor, or the journal's group commit), that
/// queue adds no isolation, so ``write(_:)`` runs the transaction where the caller is.
///
/// It never waits, so a cooperative thread is never parked on a lock:
/// - its busy timeout is zero: when another connection (the pool's writer, or another process)
///   holds the write lock, `BEGIN IMMEDIATE` fails at once with `SQLITE_BUSY`;
/// - when another thread of this process is already writing on it, it is not waited for.
///
/// In both cases ``write(_:)`` returns nil with nothing done (a transaction that fails is rolled
/// back), and the caller takes the pool's asynchronous path, which waits out the lock on the
/// pool's queue. Any other error is thrown as it is.
public final class InlineWriter: Sendable {
    private let queue: DatabaseQueue
    private let inUse = Atomic(false)
    private let ranInline = Atomic(0)
    private let declined = Atomic(0)

    /// How many transactions ran inline, and how many ``write(_:)`` declined (nil), so far.
    public struct Counts: Sendable, Equatable {
        /// Transactions committed on the caller's thread.
        public var inline: Int
        /// Calls that found the lock taken and returned nil: the caller's pool did them.
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

    /// Opens a connection to the existing database at `path` (the pool should have created it
    /// and set WAL mode); `prepare` runs on it first (the same pragmas as the pool's, since
    /// `synchronous` and the page cache are per connection).
    public init(path: String, label: String, prepare: @escaping @Sendable (Database) throws -> Void) throws {
        var configuration = Configuration()
        configuration.busyMode = .immediateError
        configuration.label = label
        configuration.prepareDatabase(prepare)
        queue = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Runs `body` in one `IMMEDIATE` transaction on the calling thread and returns its result,
    /// or nil, with nothing done, when the write lock is taken (see the type's documentation).
    public func write<T>(_ body: (Database) throws -> T) throws -> T? {
        guard inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
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
