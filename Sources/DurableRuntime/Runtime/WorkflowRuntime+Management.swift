extension WorkflowRuntime {
    /// A management client of this runtime's journal (see ``DurableClient``): what it queues
    /// wakes this runtime's workers, what its recovery claims runs here, and a workflow started,
    /// resumed or forked without a queue of its own goes on `defaultQueue`.
    public func client(defaultQueue: String) -> DurableClient {
        DurableClient(journal: journal, defaultQueue: defaultQueue, queues: configuration.queues, clock: clock, interceptors: interceptors, host: self)
    }

    /// The client this runtime's own management calls go through: they always name a queue or
    /// run the workflow here, so no default queue is consulted.
    var management: DurableClient { client(defaultQueue: "") }

    /// Reads one workflow's row, or nil if the id is unknown.
    public func workflow(id: String) async throws -> WorkflowRecord? {
        try await management.workflow(id: id)
    }

    /// Reads one workflow's row; an unknown id throws ``WorkflowError/notFound(workflowID:)``.
    public func existingWorkflow(id: String) async throws -> WorkflowRecord {
        try await management.existingWorkflow(id: id)
    }

    /// Lists workflows matching `query`.
    public func listWorkflows(_ query: WorkflowQuery = WorkflowQuery()) async throws -> [WorkflowRecord] {
        try await management.listWorkflows(query)
    }

    /// Lists the recorded operations of a workflow, in step order.
    public func steps(workflowID: String) async throws -> [StepRecord] {
        try await management.steps(workflowID: workflowID)
    }

    /// Whether workflow `id` is executing in this process right now.
    public func isExecuting(id: String) -> Bool {
        board.isRunning(id)
    }

    /// A typed handle on an existing workflow.
    public func handle<W: Workflow>(id: String, of workflow: W.Type) -> WorkflowHandle<W.Output> {
        WorkflowHandle(id: id, runtime: self)
    }

    /// Cancels a workflow and its descendants: an enqueued one never starts, a running one stops
    /// at its next operation (step, child call, sleep…), all with status `CANCELLED`, whichever
    /// process runs them. Descendants are the children recorded with this workflow as their
    /// parent, recursively; those still `PENDING` or `ENQUEUED` are cancelled in the same journal
    /// transaction as the workflow, finished ones are left as they are (as is a finished
    /// workflow). Each cancelled row records that this cancel stopped it, so that
    /// ``resume(id:queue:)`` of this workflow resumes them too.
    ///
    /// Cancelling a child alone (its own id) leaves its parent running: a parent awaiting that
    /// child gets ``WorkflowError/cancelled(workflowID:)`` naming the child, and unless it
    /// catches it, ends `ERROR` with that error (as in DBOS Transact, where the awaiting parent
    /// gets `DBOSAwaitedWorkflowCancelledError` and ends `ERROR`). Resuming the child alone
    /// then finishes the child only; resuming the parent afterwards replays it, and it gets the
    /// child's real result.
    ///
    /// The workflow's existence is checked in the transaction of the cancel: an unknown id
    /// throws ``WorkflowError/notFound(workflowID:)`` and writes nothing. (This is
    /// ``DurableClient/cancel(id:)``.)
    @discardableResult
    public func cancel(id: String) async throws -> WorkflowRecord {
        try await management.cancel(id: id).record
    }

    /// Resumes a cancelled, failed or dead-lettered workflow, and the descendants that were
    /// cancelled with it (by ``cancel(id:)`` of this workflow): they run again from their
    /// checkpoints (recorded steps are not run again), and a parent replaying the call of such a
    /// child runs it or waits for it and gets its real result. Descendants cancelled on their
    /// own, or that finished, are left as they are. The workflow and its descendants change
    /// state in one journal transaction.
    ///
    /// With `queue`, the workflow goes back on that queue as `ENQUEUED` and whichever worker of
    /// any process dequeues it runs it; a queued descendant goes back on its own queue, any
    /// other descendant on that queue too (this is ``DurableClient/resume(id:queue:)``).
    /// Without, this runtime runs them all here.
    ///
    /// The workflow's state is checked again in the transaction of its writes: if it is no
    /// longer resumable by then (another resume got there first), the call throws
    /// ``WorkflowError/invalidState(workflowID:status:action:)`` and writes nothing, not even
    /// for the descendants.
    @discardableResult
    public func resume(id: String, queue: String? = nil) async throws -> WorkflowRecord {
        try await management.resume(id: id, placement: queue.map { .queue($0) } ?? .here(self))
    }

    /// Forks a workflow from step `step`: a new workflow with the same name and input whose
    /// operations before `step` are copied (so they return their recorded outcomes) and the
    /// rest run anew. Returns the new workflow's row.
    ///
    /// With `queue`, the fork is enqueued there for any process's workers (this is
    /// ``DurableClient/fork(id:fromStep:newID:queue:)``); without, it runs here.
    ///
    /// The new id must be free: the original's existence, the insert of the new row and the
    /// copy of the steps are one all-or-nothing journal write, so a fork refused because `newID`
    /// is taken throws ``WorkflowError/conflictingWorkflowName(workflowID:existing:requested:)``
    /// and writes nothing: above all, no step of the original reaches the workflow that holds the id.
    @discardableResult
    public func fork(id: String, fromStep step: Int, newID: String? = nil, queue: String? = nil) async throws -> WorkflowRecord {
        try await management.fork(id: id, fromStep: step, newID: newID, placement: queue.map { .queue($0) } ?? .here(self))
    }

    /// Recovers the `PENDING` workflows of `executorIDs` (dead processes) on this executor:
    /// each recovery counts as an attempt; past its limit a workflow is dead-lettered. The
    /// checks are ``DurableClient/recover(executorIDs:)``'s: a live executor is refused.
    ///
    /// `executorIDs` must name at least one executor, each following the id rule of
    /// ``WorkflowID``; otherwise ``WorkflowError/invalidExecutorIDs(reason:)`` is thrown before
    /// anything is written. The claim itself is one journal transaction.
    @discardableResult
    public func recover(executorIDs: [String]) async throws -> RecoveryClaim {
        try await management.recover(executorIDs: executorIDs)
    }

    /// Claims the `PENDING` workflows of `executorIDs` for this executor and runs them here
    /// (the queued ones go back on their queue).
    func claimRecovered(executorIDs: [String]) async throws -> RecoveryClaim {
        let claim = try await journal.recover(
            executorIDs: executorIDs, newExecutorID: executorID, now: journalTimestamp(clock.now()))
        recovered.withLock { $0.formUnion(claim.toRun.map(\.id) + claim.requeued) }
        for record in claim.toRun { dispatch(record) }
        for queue in queueWakes.keys { wakeQueue(queue) }
        if !claim.deadLettered.isEmpty {
            logger.warning("workflows dead-lettered after too many recoveries", metadata: ["ids": "\(claim.deadLettered)"])
        }
        return claim
    }

    /// Notes that `ids` were cancelled, so their executions here stop at their next operation.
    func markCancelled(_ ids: [String]) {
        for id in ids { board.markCancelled(id) }
    }

    /// Notes that `ids` were resumed.
    func clearCancelled(_ ids: [String]) {
        for id in ids { board.clearCancelled(id) }
    }

    /// The workflows this runtime has claimed by recovery, takeover or adoption since it
    /// started (not the ones it started itself), sorted.
    public var recoveredWorkflowIDs: [String] { recovered.withLock { $0.sorted() } }

    /// Waits until every workflow this runtime recovered, took over or adopted has ended, also
    /// those claimed while waiting: what a one-shot process does before it exits, so that it
    /// finishes what it picked up instead of leaving it half-advanced with one more recovery
    /// attempt counted. Returns their ids.
    public func waitForRecoveredWorkflows() async throws -> [String] {
        var waited: Set<String> = []
        while true {
            let pending = recovered.withLock { $0 }.subtracting(waited)
            if pending.isEmpty { return waited.sorted() }
            for id in pending.sorted() {
                _ = try await waitForTerminal(id)
                waited.insert(id)
            }
        }
    }

    /// Recovers this executor's own pending workflows (done at every start).
    func recoverPendingWorkflows() async throws {
        let claim = try await claimRecovered(executorIDs: [executorID])
        if !claim.toRun.isEmpty || !claim.requeued.isEmpty {
            logger.info("recovered pending workflows", metadata: [
                "executor_id": "\(executorID)", "resumed": "\(claim.toRun.count)", "requeued": "\(claim.requeued.count)",
            ])
        }
    }
}
