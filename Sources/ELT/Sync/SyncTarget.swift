/// Where `sync_to_postgres_workflow` writes a run's changes: the main database.
///
/// A target applies a run's changes (upserts and deletes) and records the run in the same
/// transaction, so applying the same run again changes nothing and returns the recorded outcome.
public protocol SyncTarget: Sendable {
    /// Where the target is, without credentials, e.g. `postgres://127.0.0.1:5432/main` or a file path.
    var location: String { get }
    /// What the results call the target: `Postgres` or `SQLite`.
    var kind: String { get }
    /// Creates the target's tables if they are missing.
    func prepare() async throws
    /// Applies run `runID`'s `changes` of `tenant` once.
    func apply(runID: String, tenant: Tenant, changes: [UserChange]) async throws -> SyncOutcome
    /// The tenant's users in the target, ordered by id.
    func users(tenant: Tenant) async throws -> [SourceUser]
    /// Releases what the target keeps open between runs (connections); it can still be used
    /// afterwards, reopening what it needs.
    func close() async
}

extension SyncTarget {
    /// Nothing to release.
    public func close() async {}
}

/// Why the sync target could not be used.
public struct SyncTargetError: Error, CustomStringConvertible {
    /// Where the target is.
    public var location: String
    /// What was being done.
    public var operation: String
    /// What went wrong.
    public var reason: String

    /// Creates an error.
    public init(location: String, operation: String, reason: String) {
        self.location = location
        self.operation = operation
        self.reason = reason
    }

    /// What went wrong and where.
    public var description: String { "sync target \(location): \(operation) failed: \(reason)" }
}
