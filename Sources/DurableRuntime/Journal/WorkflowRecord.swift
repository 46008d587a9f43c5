/// One row of `workflow_status`: everything the journal knows about a workflow.
public struct WorkflowRecord: Sendable, Equatable, Codable {
    /// The workflow id, unique in the journal.
    public var id: String
    /// The registered workflow name, such as `elt_pipeline_workflow`.
    public var name: String
    /// Where the workflow is in its lifecycle.
    public var status: WorkflowStatus
    /// The input, JSON-encoded.
    public var inputJSON: String
    /// The output, JSON-encoded, once the workflow succeeded.
    public var outputJSON: String?
    /// The error, JSON-encoded as a ``RecordedError``, once the workflow failed.
    public var errorJSON: String?
    /// The executor (process identity) that owns the workflow, if any.
    public var executorID: String?
    /// The queue the workflow was enqueued on, if any.
    public var queueName: String?
    /// How many times the workflow has been recovered after its owner stopped.
    public var recoveryAttempts: Int
    /// The recovery limit; past it the workflow ends as `MAX_RECOVERY_ATTEMPTS_EXCEEDED`.
    public var maxRecoveryAttempts: Int
    /// A queue-wide deduplication id; at most one active workflow per queue may hold it.
    public var deduplicationID: String?
    /// Queue priority: lower runs first.
    public var priority: Int
    /// The parent workflow, for child workflows.
    public var parentID: String?
    /// Creation time, milliseconds since 1970.
    public var createdAt: Int64
    /// Last status change, milliseconds since 1970.
    public var updatedAt: Int64

    /// Creates a record; the optional fields default to empty.
    public init(
        id: String, name: String, status: WorkflowStatus, inputJSON: String,
        outputJSON: String? = nil, errorJSON: String? = nil, executorID: String? = nil,
        queueName: String? = nil, recoveryAttempts: Int = 0, maxRecoveryAttempts: Int = 100,
        deduplicationID: String? = nil, priority: Int = 0, parentID: String? = nil,
        createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.inputJSON = inputJSON
        self.outputJSON = outputJSON
        self.errorJSON = errorJSON
        self.executorID = executorID
        self.queueName = queueName
        self.recoveryAttempts = recoveryAttempts
        self.maxRecoveryAttempts = maxRecoveryAttempts
        self.deduplicationID = deduplicationID
        self.priority = priority
        self.parentID = parentID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
