/// One mutation of the journal. The ``JournalActor`` commits the writes that arrive together in
/// one transaction (group commit); every backend applies them with the same meaning.
public enum JournalWrite: Sendable, Equatable {
    /// Inserts a workflow unless its id exists. With a deduplication id, fails with
    /// ``JournalWriteResult/deduplicated(existingWorkflowID:)`` while another active workflow on
    /// the same queue holds it.
    case insertWorkflow(WorkflowRecord)
    /// Records an operation's outcome. If the position is taken, the result is
    /// ``JournalWriteResult/stepExists(_:)`` with what is there.
    case recordStep(StepRecord)
    /// Ends a `PENDING` workflow with `SUCCESS` or `ERROR`, clearing its deduplication id.
    /// A workflow in any other state (cancelled, say) is left alone.
    case completeWorkflow(id: String, status: WorkflowStatus, outputJSON: String?, errorJSON: String?, at: Int64)
    /// Moves a workflow to `status` if it is currently in one of `from`. With `executorID`, also
    /// assigns it to that executor; with `resetRecoveryAttempts`, sets the attempt count to 0.
    case transition(
        id: String, from: [WorkflowStatus], to: WorkflowStatus, executorID: String?,
        resetRecoveryAttempts: Bool, at: Int64)
    /// Puts a workflow that is in one of `from` back on `queue` as `ENQUEUED`, unassigned, with
    /// its recovery attempts reset: how a client resumes a workflow so that a server runs it.
    case requeue(id: String, from: [WorkflowStatus], queue: String, at: Int64)
    /// Copies the step records of `sourceID` numbered below `belowStep` to `targetID` (fork),
    /// which must have been inserted by an `insertWorkflow` of the same commit: into any other
    /// workflow (an existing id) nothing is copied (`.copied(0)`).
    case copySteps(sourceID: String, targetID: String, belowStep: Int)
    /// Cancels `rootID` and every descendant of it (children through their parent id,
    /// recursively, also below finished ones) that is `PENDING` or `ENQUEUED`, in one statement
    /// of the transaction, so no part of the tree is left running. Each row it cancels gets
    /// `originJSON` as its error (which cancel stopped it), so that a resume of the root finds
    /// the descendants cancelled with it; its deduplication id is cleared. Finished rows are left
    /// as they are. The result is ``JournalWriteResult/cancelled(_:)``.
    case cancelTree(rootID: String, originJSON: String, at: Int64)
}

/// What one ``JournalWrite`` did.
public enum JournalWriteResult: Sendable, Equatable {
    /// The workflow row was inserted.
    case workflowInserted
    /// A workflow with that id already existed; this is its row.
    case workflowExists(WorkflowRecord)
    /// The deduplication id is held by another active workflow on the queue.
    case deduplicated(existingWorkflowID: String)
    /// The step outcome was recorded.
    case stepRecorded
    /// A step outcome was already recorded at that position; this is it.
    case stepExists(StepRecord)
    /// A status change: whether a row matched and changed.
    case updated(Bool)
    /// Rows copied by ``JournalWrite/copySteps(sourceID:targetID:belowStep:)``.
    case copied(Int)
    /// The ids ``JournalWrite/cancelTree(rootID:originJSON:at:)`` moved to `CANCELLED`, sorted.
    case cancelled([String])
}

/// The outcome of one group commit.
public struct JournalCommitResult: Sendable, Equatable {
    /// One result per write, in order.
    public var results: [JournalWriteResult]
    /// Ids among the workflows whose steps were recorded in this commit that are now `CANCELLED`
    /// (checked in the same transaction), so their executors stop at the next step.
    public var cancelledWorkflowIDs: Set<String>

    /// Creates a commit result.
    public init(results: [JournalWriteResult], cancelledWorkflowIDs: Set<String> = []) {
        self.results = results
        self.cancelledWorkflowIDs = cancelledWorkflowIDs
    }
}
