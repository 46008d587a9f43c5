/// Who may write a workflow's checkpoints and completion: the executor that claimed it, at the
/// ownership generation of that claim (``WorkflowRecord/ownerGeneration``). Every later claim
/// raises the generation, so an execution that was claimed away is fenced even if the workflow
/// has come back to the same executor id since.
public struct WorkflowOwner: Sendable, Hashable, Codable {
    /// The executor that runs the workflow.
    public var executorID: String
    /// The ownership generation the execution started with.
    public var generation: Int64

    public init(executorID: String, generation: Int64) {
        self.executorID = executorID
        self.generation = generation
    }
}

/// One mutation of the journal. The ``JournalActor`` commits the writes that arrive together in
/// one transaction (group commit); every backend applies them with the same meaning.
public indirect enum JournalWrite: Sendable, Equatable {
    /// Inserts a workflow unless its id exists. With a deduplication id, fails with
    /// ``JournalWriteResult/deduplicated(existingWorkflowID:)`` while another active workflow on
    /// the same queue holds it. With a `parentOwner` (a child started by a running workflow),
    /// nothing is inserted unless the parent's row still has that owner: the result is
    /// ``JournalWriteResult/fenced``.
    case insertWorkflow(WorkflowRecord, parentOwner: WorkflowOwner? = nil)
    /// Records an operation's outcome. If the position is taken, the result is
    /// ``JournalWriteResult/stepExists(_:)`` with what is there. With an `owner` (the execution
    /// that runs the workflow), nothing is written unless the workflow's row still has that
    /// owner (it was not claimed since): the result is ``JournalWriteResult/fenced``.
    case recordStep(StepRecord, owner: WorkflowOwner? = nil)
    /// Ends a `PENDING` workflow with `SUCCESS` or `ERROR`, clearing its deduplication id.
    /// A workflow in any other state (cancelled, say), or, with an `owner`, one whose row no
    /// longer has that owner, is left alone (`.updated(false)`).
    case completeWorkflow(
        id: String, status: WorkflowStatus, outputJSON: String?, errorJSON: String?, at: Int64, owner: WorkflowOwner? = nil)
    /// Moves a workflow to `status` if it is currently in one of `from`. With `executorID`, also
    /// assigns it to that executor; with `resetRecoveryAttempts`, sets the attempt count to 0.
    /// Raises the ownership generation (a claim). A move to a status that is not terminal (a
    /// resume) clears the recorded error: a running workflow shows none.
    case transition(
        id: String, from: [WorkflowStatus], to: WorkflowStatus, executorID: String?,
        resetRecoveryAttempts: Bool, at: Int64)
    /// Puts a workflow that is in one of `from` back on `queue` as `ENQUEUED`, unassigned, with
    /// its recovery attempts reset and its recorded error cleared: how a client resumes a
    /// workflow so that a server runs it. Raises the ownership generation.
    case requeue(id: String, from: [WorkflowStatus], queue: String, at: Int64)
    /// Copies the step records of `sourceID` numbered below `belowStep` to `targetID` (fork),
    /// which must have been inserted by an `insertWorkflow` of the same commit and have no
    /// steps. Into any other workflow (an existing id) nothing is copied and the result is
    /// ``JournalWriteResult/refused(_:)``.
    case copySteps(sourceID: String, targetID: String, belowStep: Int)
    /// Cancels `rootID` and every descendant of it (children through their parent id,
    /// recursively, also below finished ones) that is `PENDING` or `ENQUEUED`, in one statement
    /// of the transaction, so no part of the tree is left running. Each row it cancels gets
    /// `originJSON` as its error (which cancel stopped it), so that a resume of the root finds
    /// the descendants cancelled with it; its deduplication id is cleared. Finished rows are left
    /// as they are. The result is ``JournalWriteResult/cancelled(_:)``.
    case cancelTree(rootID: String, originJSON: String, at: Int64)
    /// Checks, without writing, that workflow `id` exists and, with `statuses`, is in one of
    /// them; on Postgres the row is locked (`FOR UPDATE`) until the commit, so what was checked
    /// still holds for the writes after it. The result is ``JournalWriteResult/found(_:)``.
    case expectWorkflow(id: String, statuses: [WorkflowStatus]?)
    /// A management call's writes, all or nothing: the `required` writes in order, stopping at
    /// the first that does not take effect (see ``JournalWriteResult/tookEffect``), then, only
    /// if all did, the `then` writes, whatever they do. If a required write did not take effect
    /// the group's writes are undone (a savepoint), the rest of the commit is unaffected, and
    /// the result is ``JournalWriteResult/guarded(applied:results:)`` with `applied` false and
    /// the results up to the refusing write, so the caller can say why. This is how a refused
    /// fork, resume or cancel writes nothing: its preconditions are checked in the transaction
    /// of its writes.
    case guarded(required: [JournalWrite], then: [JournalWrite])
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
    /// Nothing was recorded: the workflow belongs to another executor now (fencing).
    case fenced
    /// A status change: whether a row matched and changed.
    case updated(Bool)
    /// Rows copied by ``JournalWrite/copySteps(sourceID:targetID:belowStep:)``.
    case copied(Int)
    /// The ids ``JournalWrite/cancelTree(rootID:originJSON:at:)`` moved to `CANCELLED`, sorted.
    case cancelled([String])
    /// The row ``JournalWrite/expectWorkflow(id:statuses:)`` found, or nil when there is none
    /// in the expected statuses.
    case found(WorkflowRecord?)
    /// A write the journal refused, and why (a copy into a workflow not inserted by the commit).
    case refused(String)
    /// What a ``JournalWrite/guarded(required:then:)`` group did: whether its writes were
    /// applied, and the results of its writes (when refused, up to the refusing one).
    indirect case guarded(applied: Bool, results: [JournalWriteResult])

    /// Whether the write changed, or confirmed, what it was meant to: a row inserted, recorded,
    /// updated or found, steps copied (even none), a cancel that cancelled something, a group
    /// applied. An existing id, a taken position, a state that did not match, a refusal: not.
    public var tookEffect: Bool {
        switch self {
        case .workflowInserted, .stepRecorded, .copied: true
        case .workflowExists, .deduplicated, .stepExists, .refused, .fenced: false
        case .updated(let changed): changed
        case .cancelled(let ids): !ids.isEmpty
        case .found(let record): record != nil
        case .guarded(let applied, _): applied
        }
    }
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

/// The reasons every backend gives in ``JournalWriteResult/refused(_:)``, worded once.
public enum JournalRefusal {
    /// A copy of steps into a workflow this commit did not insert.
    public static func copyIntoExisting(targetID: String) -> String {
        "steps are copied only into a workflow inserted by the same commit, and '\(targetID)' was not"
    }

    /// A copy of steps into a workflow that already has steps.
    public static func copyIntoStepped(targetID: String) -> String {
        "steps are copied only into a workflow without steps, and '\(targetID)' has some"
    }
}
