/// One row of `operation_outputs`: the recorded outcome of one checkpointed operation.
///
/// Operations are numbered in program order from 1 within their workflow (the `stepNumber`,
/// DBOS's `function_id`). An operation is a step, a child-workflow call, a sleep, a memoised
/// `now`/`uuid`, or an enqueue.
public struct StepRecord: Sendable, Equatable, Codable {
    /// The workflow the operation belongs to.
    public var workflowID: String
    /// The operation's position in program order, from 1.
    public var stepNumber: Int
    /// The operation's name, such as `fetch_users_from_api`.
    public var name: String
    /// The output, JSON-encoded, when the operation succeeded.
    public var outputJSON: String?
    /// The error, JSON-encoded as a ``RecordedError``, when it failed.
    public var errorJSON: String?
    /// The child workflow this operation started, if it is a child-workflow call.
    public var childWorkflowID: String?
    /// When the operation started, milliseconds since 1970.
    public var startedAt: Int64
    /// When its outcome was recorded, milliseconds since 1970.
    public var completedAt: Int64

    /// Creates a step record.
    public init(
        workflowID: String, stepNumber: Int, name: String, outputJSON: String? = nil,
        errorJSON: String? = nil, childWorkflowID: String? = nil, startedAt: Int64, completedAt: Int64
    ) {
        self.workflowID = workflowID
        self.stepNumber = stepNumber
        self.name = name
        self.outputJSON = outputJSON
        self.errorJSON = errorJSON
        self.childWorkflowID = childWorkflowID
        self.startedAt = startedAt
        self.completedAt = completedAt
    }

    /// Whether two records carry the same outcome (used to make a retried commit idempotent).
    public func hasSameOutcome(as other: StepRecord) -> Bool {
        name == other.name && outputJSON == other.outputJSON && errorJSON == other.errorJSON
            && childWorkflowID == other.childWorkflowID
    }
}
