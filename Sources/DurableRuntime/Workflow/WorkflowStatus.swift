/// The lifecycle state of a workflow, as stored in the journal.
///
/// The raw values are the strings DBOS users know (`PENDING`, `SUCCESS`, …), so a journal is
/// readable by anyone who has inspected a DBOS system database.
public enum WorkflowStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting on a queue for a worker to pick it up.
    case enqueued = "ENQUEUED"
    /// Claimed by an executor and running (or waiting for recovery after a crash).
    case pending = "PENDING"
    /// Finished and returned its output.
    case success = "SUCCESS"
    /// Finished by throwing an error.
    case error = "ERROR"
    /// Stopped by a cancel request.
    case cancelled = "CANCELLED"
    /// Recovered more times than its limit allows; it is never run again automatically.
    case maxRecoveryAttemptsExceeded = "MAX_RECOVERY_ATTEMPTS_EXCEEDED"

    /// Whether the workflow has reached an end state that no recovery will change.
    public var isTerminal: Bool {
        switch self {
        case .enqueued, .pending: false
        case .success, .error, .cancelled, .maxRecoveryAttemptsExceeded: true
        }
    }

    /// Parses a status the way users type it (`pending`, `SUCCESS`), or returns nil.
    public init?(userInput: String) {
        self.init(rawValue: userInput.uppercased())
    }
}
