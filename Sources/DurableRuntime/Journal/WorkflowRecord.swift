/// A `PENDING` workflow that has made no progress for a while (see
/// ``JournalBackend/oldestStalledWorkflow(before:)``).
public struct StalledWorkflow: Sendable, Equatable {
    /// Its row.
    public var record: WorkflowRecord
    /// Its last progress: the latest checkpoint's completion, or its last status change if
    /// later, in milliseconds since 1970.
    public var lastProgressAt: Int64

    public init(record: WorkflowRecord, lastProgressAt: Int64) {
        self.record = record
        self.lastProgressAt = lastProgressAt
    }
}

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
    /// The ownership generation: 0 for a new row, raised by every claim (a dequeue, a recovery
    /// or takeover, a resume, a requeue). An execution writes checkpoints and its completion
    /// only while the row still has the generation it started with, so an executor that
    /// returns after its work was claimed elsewhere (a paused VM, a partition) is fenced off,
    /// even when the work has come back to the same executor id since.
    public var ownerGeneration: Int64
    /// The trace context the workflow was created in, as a JSON object of propagation fields
    /// (W3C `traceparent`, …), so that every execution of it, in any process, continues that
    /// trace; nil when no tracing interceptor was installed. Set once, at insertion.
    public var traceContext: String?

    /// Creates a record; the optional fields default to empty.
    public init(
        id: String, name: String, status: WorkflowStatus, inputJSON: String,
        outputJSON: String? = nil, errorJSON: String? = nil, executorID: String? = nil,
        queueName: String? = nil, recoveryAttempts: Int = 0, maxRecoveryAttempts: Int = 100,
        deduplicationID: String? = nil, priority: Int = 0, parentID: String? = nil,
        createdAt: Int64, updatedAt: Int64, ownerGeneration: Int64 = 0, traceContext: String? = nil
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
        self.ownerGeneration = ownerGeneration
        self.traceContext = traceContext
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, status, inputJSON, outputJSON, errorJSON, executorID, queueName, recoveryAttempts
        case maxRecoveryAttempts, deduplicationID, priority, parentID, createdAt, updatedAt, ownerGeneration
    }

    /// Decodes a record; `ownerGeneration` defaults to 0 (records written before it existed).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
            status: try c.decode(WorkflowStatus.self, forKey: .status), inputJSON: try c.decode(String.self, forKey: .inputJSON),
            outputJSON: try c.decodeIfPresent(String.self, forKey: .outputJSON),
            errorJSON: try c.decodeIfPresent(String.self, forKey: .errorJSON),
            executorID: try c.decodeIfPresent(String.self, forKey: .executorID),
            queueName: try c.decodeIfPresent(String.self, forKey: .queueName),
            recoveryAttempts: try c.decode(Int.self, forKey: .recoveryAttempts),
            maxRecoveryAttempts: try c.decode(Int.self, forKey: .maxRecoveryAttempts),
            deduplicationID: try c.decodeIfPresent(String.self, forKey: .deduplicationID),
            priority: try c.decode(Int.self, forKey: .priority), parentID: try c.decodeIfPresent(String.self, forKey: .parentID),
            createdAt: try c.decode(Int64.self, forKey: .createdAt), updatedAt: try c.decode(Int64.self, forKey: .updatedAt),
            ownerGeneration: try c.decodeIfPresent(Int64.self, forKey: .ownerGeneration) ?? 0)
    }

}
