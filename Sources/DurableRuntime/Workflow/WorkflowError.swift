/// Errors the runtime raises about workflows, each saying what happened and what to do.
public enum WorkflowError: Error, CustomStringConvertible, Sendable, Equatable {
    /// On replay, the operation recorded at a position has another name than the one the code
    /// now runs there: the workflow code changed, or it is not deterministic.
    case nonDeterministic(workflowID: String, stepNumber: Int, recorded: String, current: String)
    /// An id is already used by a workflow with another name.
    case conflictingWorkflowName(workflowID: String, existing: String, requested: String)
    /// No workflow with this name is registered in this runtime.
    case unknownWorkflow(name: String, registered: [String])
    /// No workflow with this id exists in the journal.
    case notFound(workflowID: String)
    /// A queue's deduplication id is held by another active workflow.
    case deduplicated(queue: String, deduplicationID: String, existingWorkflowID: String)
    /// The workflow was cancelled; it stops at its next operation.
    case cancelled(workflowID: String)
    /// The workflow ended as `MAX_RECOVERY_ATTEMPTS_EXCEEDED`.
    case maxRecoveryAttemptsExceeded(workflowID: String)
    /// Two operations of one workflow ran at the same time outside `concurrentSteps`, which
    /// would make step numbering depend on scheduling.
    case concurrentOperations(workflowID: String, stepName: String)
    /// A queue name that no runtime configuration declares.
    case unknownQueue(name: String, declared: [String])
    /// Another executor recorded a different outcome at the same position: the workflow runs
    /// twice at once.
    case concurrentExecution(workflowID: String, stepNumber: Int)
    /// The workflow's state does not allow the requested management action.
    case invalidState(workflowID: String, status: WorkflowStatus, action: String)
    /// A stored input, output or error could not be decoded as the expected type.
    case decodingFailed(workflowID: String, what: String, reason: String)
    /// The workflow failed; this carries its recorded error.
    case failed(workflowID: String, error: RecordedError)
    /// A chosen workflow id breaks ``WorkflowID``'s rule; `shown` is its start, escaped.
    case invalidWorkflowID(shown: String, rule: String)
    /// A recovery named no executor, or an executor id (one named to recover, or the runtime's
    /// own) that breaks the id rule (see ``WorkflowID``); `reason` says which and why.
    case invalidExecutorIDs(reason: String)
    /// The workflow was taken over by another executor (this process's lease had expired, a
    /// pause or a partition): this execution stops quietly, the other one goes on.
    case takenOver(workflowID: String)
    /// Another live process holds this executor id's lease.
    case executorIDHeld(executorID: String, holder: String, secondsLeft: Int)
    /// A fork from a step the workflow never reached: it has `recorded` steps, so a fork may
    /// start at 1 through `recorded + 1`.
    case forkPastEnd(workflowID: String, step: Int, recorded: Int)
    /// A recovery named an executor that still holds a live lease: it is running, and
    /// recovering its workflows would run them twice.
    case executorLive(executorID: String, holder: String, secondsLeft: Int)
    /// A recovery from a process without a worker found no live executor to take the workflows.
    case noLiveExecutor(executorIDs: [String])
    /// The journal is bound to another value for `key` than this process's (see
    /// ``JournalBinding``): the process did not start, and recovered and dequeued nothing.
    case journalBoundElsewhere(key: String, bound: String, here: String, boundAt: Int64, advice: String)

    /// A human-readable explanation with a hint at the fix.
    public var description: String {
        switch self {
        case .nonDeterministic(let id, let step, let recorded, let current):
            "workflow \(id) is not deterministic: step \(step) was recorded as '\(recorded)' but the code now runs '\(current)' there. Workflow code must call the same operations in the same order on replay; fork the workflow or finish it with the old code."
        case .conflictingWorkflowName(let id, let existing, let requested):
            "workflow id '\(id)' is already used by a '\(existing)' workflow; cannot start it as '\(requested)'. Choose another id."
        case .unknownWorkflow(let name, let registered):
            "unknown workflow '\(name)'; registered workflows: \(registered.sorted().joined(separator: ", "))"
        case .notFound(let id):
            "no workflow with id '\(id)' in the journal"
        case .deduplicated(let queue, let dedup, let existing):
            "queue '\(queue)' already has an active workflow (\(existing)) with deduplication id '\(dedup)'"
        case .cancelled(let id):
            "workflow \(id) was cancelled"
        case .maxRecoveryAttemptsExceeded(let id):
            "workflow \(id) was recovered more times than its limit allows and is dead-lettered (MAX_RECOVERY_ATTEMPTS_EXCEEDED); inspect it and resume it by hand"
        case .concurrentOperations(let id, let step):
            "workflow \(id) started operation '\(step)' while another of its operations was running; use context.concurrentSteps or child workflows for fan-out so step numbers do not depend on scheduling"
        case .unknownQueue(let name, let declared):
            "unknown queue '\(name)'; declared queues: \(declared.sorted().joined(separator: ", "))"
        case .concurrentExecution(let id, let step):
            "workflow \(id) is running in two places at once: step \(step) was recorded by another execution with a different outcome"
        case .invalidState(let id, let status, let action):
            "cannot \(action) workflow \(id): it is \(status.rawValue)"
        case .decodingFailed(let id, let what, let reason):
            "workflow \(id): could not decode its \(what): \(reason)"
        case .failed(let id, let error):
            // A descendant's failure carried up through its parents (a derived child id extends
            // its parent's) is shown once, by the deepest workflow, not as "workflow a failed:
            // workflow a-3 failed: workflow a-3-2 failed: …".
            error.type == String(reflecting: WorkflowError.self) && error.message.hasPrefix("workflow \(id)-")
                ? error.message : "workflow \(id) failed: \(error.message)"
        case .invalidWorkflowID(let shown, let rule):
            "workflow id '\(shown)' is not valid: \(rule). Choose another id."
        case .invalidExecutorIDs(let reason):
            reason
        case .takenOver(let id):
            "workflow \(id) was taken over by another executor (this process's lease had expired); it stops here and goes on there"
        case let .forkPastEnd(id, step, recorded):
            "cannot fork \(id) from step \(step): it has \(recorded) recorded step\(recorded == 1 ? "" : "s"), so a fork starts at 1 to \(recorded + 1) "
                + "(a fork from step n keeps steps 1 to n-1 and runs the rest again)"
        case let .executorLive(executorID, holder, secondsLeft):
            "cannot recover executor '\(executorID)': it holds a live lease (\(holder)) for another \(secondsLeft) s, so it is running, "
                + "and recovering its workflows would run them twice. Stop it first, or wait for its lease to expire: the live servers then take its workflows over by themselves"
        case let .noLiveExecutor(executorIDs):
            "cannot recover \(executorIDs.joined(separator: ", ")): no live executor is registered to take the workflows. "
                + "Start elt-server on this journal; it takes over the workflows of executors whose lease has expired by itself"
        case let .journalBoundElsewhere(key, bound, here, boundAt, advice):
            "this journal's workflows use \(bound) (\(key), bound \(journalTimestampText(boundAt))), and this process uses "
                + (bound == here ? "another one at the same place (created again since it was bound, or restored from elsewhere)" : here)
                + "; it did not start, and took no workflow. " + advice
        case let .executorIDHeld(executorID, holder, secondsLeft):
            "executor id '\(executorID)' is held by \(holder), whose lease runs for another \(secondsLeft) s: "
                + "give this process another executor id (--executor-id), or stop the other one (a process that died is taken over, and its id freed, when its lease expires)"
        }
    }
}
