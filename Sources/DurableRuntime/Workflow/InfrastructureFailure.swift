/// An error that says the environment failed (a full disk, an I/O error, read-only storage),
/// not the workflow. The runtime never records one as a step's or a workflow's outcome: the
/// workflow stays `PENDING` with its checkpoints, and the runtime stops with the error (an
/// operator frees space or fixes the storage; a rerun with the same workflow id, or a
/// restarted server, resumes it). Recording it instead would end the workflow as `ERROR`
/// for good, although nothing in it was wrong.
public protocol InfrastructureFailure: Error {}

/// A database file that could not be written or read: SQLite's "database or disk is full",
/// an I/O error, a read-only or corrupt file.
public struct StorageFailure: InfrastructureFailure, CustomStringConvertible, Equatable, Sendable {
    /// Which store: `journal`, `data database`, `sync database`.
    public var store: String
    /// The file.
    public var path: String
    /// What was being done.
    public var operation: String
    /// The database's own words (result code and message; never a statement or its values).
    public var reason: String

    public init(store: String, path: String, operation: String, reason: String) {
        self.store = store
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    public var description: String {
        "\(store) \(path): \(operation) failed: \(reason). The storage failed, not the workflow: nothing was recorded as "
            + "its outcome. Free space or fix the storage, then run again with the same workflow id (or restart the server): "
            + "it resumes from its last checkpoint."
    }

    /// Whether `error`, or what it wraps, is an infrastructure failure.
    public static func isInfrastructure(_ error: any Error) -> Bool {
        error is any InfrastructureFailure
    }
}
