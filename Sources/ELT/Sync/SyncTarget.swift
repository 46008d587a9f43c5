import Synchronization

/// Where `sync_to_postgres_workflow` writes a run's changes: the main database.
///
/// A target applies a run's changes (upserts and deletes) and records the run in the same
/// transaction, so applying the same run again changes nothing and returns the recorded outcome.
public protocol SyncTarget: Sendable {
    /// Where the target is, without credentials, e.g. `postgres://127.0.0.1:5432/main` or a file path.
    var location: String { get }
    /// What the results call the target: `Postgres` or `SQLite`.
    var kind: String { get }
    /// Creates the target's tables if they are missing, and its identity.
    func prepare() async throws
    /// The target's identity (after ``prepare()``): a random id created with its tables (`sync_identity`), the same
    /// for every process that syncs to it, whatever URL or path each reaches it by. Runs record
    /// it (``DataStoreStamp``) so a process with another target refuses them.
    func identity() async throws -> String
    /// Applies run `runID`'s changes of `tenant` once, reading them chunk by chunk from
    /// `changes` inside the target's transaction.
    ///
    /// - Throws: ``SyncTargetError``; its ``SyncTargetError/isTransient`` says whether waiting
    ///   and trying again may help (the target is unreachable, restarting, locked).
    func apply(runID: String, tenant: Tenant, changes: any ChangeChunks) async throws -> SyncOutcome
    /// The tenant's users in the target, ordered by id.
    func users(tenant: Tenant) async throws -> [SourceUser]
    /// Releases what the target keeps open between runs (connections); it can still be used
    /// afterwards, reopening what it needs.
    func close() async
}

extension SyncTarget {
    /// Nothing to release.
    public func close() async {}

    /// Applies `changes`, held in memory (tests, small runs).
    public func apply(runID: String, tenant: Tenant, changes: [UserChange]) async throws -> SyncOutcome {
        try await apply(runID: runID, tenant: tenant, changes: ArrayChangeChunks(changes))
    }
}

/// A run's changes, handed to a sync target a chunk at a time.
public protocol ChangeChunks: Sendable {
    /// The next chunk, or nil after the last. Called inside the target's transaction.
    func next() async throws -> [UserChange]?
}

/// Changes that can be read without suspending (from a SQLite data store, or memory). A
/// target whose transaction cannot await (the SQLite target's runs on GRDB's queue) streams
/// these inside it; other chunks it reads ahead of its transaction.
public protocol SynchronousChangeChunks: ChangeChunks {
    /// The next chunk, or nil after the last, read on the calling thread.
    func nextNow() throws -> [UserChange]?
}

extension SynchronousChangeChunks {
    /// ``nextNow()``.
    public func next() async throws -> [UserChange]? {
        try nextNow()
    }
}

/// Changes already in memory, as one chunk.
public final class ArrayChangeChunks: SynchronousChangeChunks {
    private let remaining: Mutex<[UserChange]?>

    /// Wraps `changes`.
    public init(_ changes: [UserChange]) {
        remaining = Mutex(changes.isEmpty ? nil : changes)
    }

    /// All the changes the first time, then nil.
    public func nextNow() throws -> [UserChange]? {
        remaining.withLock { chunk in
            defer { chunk = nil }
            return chunk
        }
    }
}

/// Why the sync target could not be used.
public struct SyncTargetError: Error, CustomStringConvertible {
    /// Where the target is.
    public var location: String
    /// What was being done.
    public var operation: String
    /// What went wrong.
    public var reason: String
    /// Whether waiting and trying again may help: the target could not be reached, was
    /// restarting or shutting down, or was locked.
    public var isTransient: Bool

    /// Creates an error.
    public init(location: String, operation: String, reason: String, isTransient: Bool = false) {
        self.location = location
        self.operation = operation
        self.reason = reason
        self.isTransient = isTransient
    }

    /// What went wrong and where.
    public var description: String { "sync target \(location): \(operation) failed: \(reason)" }
}
