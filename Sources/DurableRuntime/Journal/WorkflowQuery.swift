/// A filter for listing workflows (`elt list status=… name=… limit=…`).
public struct WorkflowQuery: Sendable, Equatable {
    /// The sort order of a listing, by creation time.
    public enum Order: String, Sendable {
        /// Oldest first.
        case ascending
        /// Newest first (the default).
        case descending
    }

    /// Only workflows in one of these states (all when empty).
    public var statuses: [WorkflowStatus] = []
    /// Only workflows with this registered name.
    public var name: String?
    /// Only workflows whose id starts with this prefix.
    public var idPrefix: String?
    /// Only workflows created at or after this time (milliseconds since 1970).
    public var createdAfter: Int64?
    /// Only workflows created before this time (milliseconds since 1970).
    public var createdBefore: Int64?
    /// Only workflows enqueued on this queue.
    public var queueName: String?
    /// Only workflows whose parent is this id.
    public var parentID: String?
    /// Only top-level workflows: those without a parent (started by a client, a schedule or
    /// `elt run`, not by another workflow). With ``parentID`` set too, nothing matches.
    public var topLevelOnly: Bool = false
    /// At most this many rows (no limit when nil).
    public var limit: Int?
    /// Rows to skip first.
    public var offset: Int = 0
    /// Sort order by creation time.
    public var order: Order = .descending

    /// Creates a filter that matches every workflow.
    public init(
        statuses: [WorkflowStatus] = [], name: String? = nil, idPrefix: String? = nil,
        createdAfter: Int64? = nil, createdBefore: Int64? = nil, queueName: String? = nil,
        parentID: String? = nil, topLevelOnly: Bool = false, limit: Int? = nil, offset: Int = 0,
        order: Order = .descending
    ) {
        self.statuses = statuses
        self.name = name
        self.idPrefix = idPrefix
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
        self.queueName = queueName
        self.parentID = parentID
        self.topLevelOnly = topLevelOnly
        self.limit = limit
        self.offset = offset
        self.order = order
    }
}

/// A request to move enqueued workflows of one queue to `PENDING` on one executor.
public struct DequeueRequest: Sendable, Equatable {
    /// The queue.
    public var queueName: String
    /// The executor that takes the workflows.
    public var executorID: String
    /// The most workflows of this queue that may be `PENDING` at once across every executor.
    public var globalConcurrency: Int?
    /// The most workflows of this queue that may be `PENDING` at once on this executor.
    public var workerConcurrency: Int?
    /// The most workflows to take in this call.
    public var maxCount: Int
    /// The time to stamp, milliseconds since 1970.
    public var now: Int64
    /// Only the workflows of the trees rooted at these ids are taken: each id itself and the
    /// ids that extend it with `-` (its descendants). Nil: any. The queue's limits still count
    /// every workflow of the queue.
    public var treeRootIDs: [String]?

    /// Creates a dequeue request.
    public init(
        queueName: String, executorID: String, globalConcurrency: Int?, workerConcurrency: Int?,
        maxCount: Int, now: Int64, treeRootIDs: [String]? = nil
    ) {
        self.treeRootIDs = treeRootIDs
        self.queueName = queueName
        self.executorID = executorID
        self.globalConcurrency = globalConcurrency
        self.workerConcurrency = workerConcurrency
        self.maxCount = maxCount
        self.now = now
    }
}

/// What a recovery pass did with the pending workflows of some executors.
public struct RecoveryClaim: Sendable, Equatable {
    /// Workflows now owned by the recovering executor and to be run again (not queued ones).
    public var toRun: [WorkflowRecord]
    /// Queued workflows put back on their queue (`ENQUEUED`), to be dequeued under its limits.
    public var requeued: [String]
    /// Workflows past their recovery limit, now `MAX_RECOVERY_ATTEMPTS_EXCEEDED`.
    public var deadLettered: [String]

    /// Creates a recovery claim.
    public init(toRun: [WorkflowRecord] = [], requeued: [String] = [], deadLettered: [String] = []) {
        self.toRun = toRun
        self.requeued = requeued
        self.deadLettered = deadLettered
    }
}

extension RecoveryClaim {
    /// Applies the recovery rule to one `PENDING` row and records the outcome in this claim:
    /// the attempt is counted; past its limit the workflow is dead-lettered; a queued one goes
    /// back on its queue; any other is handed to `newExecutorID`. Returns the row to write back.
    /// Both journal backends use this, so the rule is the same everywhere.
    public mutating func claim(_ pending: WorkflowRecord, newExecutorID: String, now: Int64) -> WorkflowRecord {
        var record = pending
        record.recoveryAttempts += 1
        record.ownerGeneration += 1
        record.updatedAt = now
        if record.recoveryAttempts > record.maxRecoveryAttempts {
            record.status = .maxRecoveryAttemptsExceeded
            record.deduplicationID = nil
            deadLettered.append(record.id)
        } else if record.queueName != nil {
            record.status = .enqueued
            record.executorID = nil
            requeued.append(record.id)
        } else {
            record.executorID = newExecutorID
            toRun.append(record)
        }
        return record
    }
}
