import DurableRuntime
import Foundation
import GRDB
import SQLiteSupport

/// The embedded journal backend: one SQLite file in WAL mode, shareable by several processes.
///
/// Every write runs in an `IMMEDIATE` transaction, so writers of different processes serialise
/// on the file lock (with a 5 s busy timeout) and a dequeue never races another one.
public final class SQLiteJournal: JournalBackend {
    /// The schema version this build writes and understands.
    public static let schemaVersion = 6

    /// The file path of the database.
    public let path: String
    /// Always `sqlite`.
    public var kind: String { "sqlite" }

    let pool: DatabasePool
    /// Where group commits run first: on the committing thread, without a hop to the pool's
    /// writer queue (the journal actor already serialises them).
    let inlineWriter: InlineWriter

    /// How many group commits ran on the committing thread, and how many went to the pool's
    /// writer queue because the write lock was taken (for benchmarks).
    public var inlineCommitCounts: InlineWriter.Counts { inlineWriter.counts }
    /// Raised when a commit of this process enqueued or finished queued work.
    let queueActivity = WakeSignal()

    /// Opens (creating if needed, with its parent directories) the journal file at `path`.
    public init(path: String) throws {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw JournalError.unreachable(database: path, reason: "cannot create directory \(directory.path): \(SystemErrorText.describe(error))")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "journal"
        let prepare: @Sendable (Database) throws -> Void = { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        configuration.prepareDatabase(prepare)
        do {
            // A server's journal may be locked for a moment (a WAL reset after its checkpoint)
            // just as a client opens it: the open waits that out (``LockedOpen``; the inline
            // writer's open does the same itself).
            pool = try LockedOpen.retrying { try DatabasePool(path: path, configuration: configuration) }
            inlineWriter = try InlineWriter(path: path, label: "journal.inline", pool: pool, prepare: prepare)
        } catch {
            throw JournalError.unreachable(
                database: path,
                reason: (error as? DatabaseError).map { "SQLite error \($0.resultCode.rawValue): \($0.message ?? "\($0.resultCode)")" }
                    ?? SystemErrorText.describe(error))
        }
    }

    /// Waits until the task is cancelled: SQLite needs nothing running in the background.
    public func run() async throws {
        let (never, _) = AsyncStream<Void>.makeStream()
        for await _ in never {}
    }

    /// Applies pending schema migrations; two processes may do so at once.
    public func migrate() async throws {
        try await writeTransaction("migrate") { db in
            try SQLiteSchema.migrate(db, supported: Self.schemaVersion)
        }
    }

    /// Sleeps `timeout`, or less when a commit of this process touched queued work.
    public func waitForQueueActivity(timeout: Duration) async throws {
        await queueActivity.wait(timeout: timeout)
        try Task.checkCancellation()
    }

    /// Runs `body` in one `IMMEDIATE` transaction, mapping errors to ``JournalError``.
    func writeTransaction<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try await mapErrors(operation) {
            try await self.pool.writeWithoutTransaction { db -> T in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                guard let result else {
                    throw JournalError.queryFailed(operation: operation, reason: "transaction produced no result")
                }
                return result
            }
        }
    }

    /// Runs `body` on a reader connection (a consistent snapshot), mapping errors.
    func readSnapshot<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try await mapErrors(operation) { try await self.pool.read(body) }
    }

    /// Runs `body` in one `IMMEDIATE` transaction on the calling thread when the write lock is
    /// free at once, else on the pool's writer queue, waiting out the lock there (see
    /// ``InlineWriter/write(_:)``).
    func writeTransactionInline<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try await mapErrors(operation) { try await self.inlineWriter.write(body) }
    }

    private func mapErrors<T: Sendable>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw mapped(error, operation)
        }
    }

    /// `error` as the journal reports it: a ``StorageFailure`` when the file cannot be written or
    /// read at all, else a ``JournalError``.
    private func mapped(_ error: any Error, _ operation: String) -> any Error {
        switch error {
        case is JournalError, is CancellationError:
            return error
        case let error as DatabaseError:
            if [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode.primaryResultCode) {
                return StorageFailure(
                    store: "journal", path: path, operation: operation,
                    reason: "SQLite error \(error.resultCode.rawValue): \(error.message ?? "\(error.resultCode)")")
            }
            return JournalError.queryFailed(
                operation: operation, reason: "\(error.resultCode): \(error.message ?? "no message") (\(path))")
        default:
            return JournalError.queryFailed(operation: operation, reason: "\(error) (\(path))")
        }
    }
}
