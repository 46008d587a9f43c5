extension WorkflowRuntime {
    /// Reads one workflow's row, or nil if the id is unknown.
    public func workflow(id: String) async throws -> WorkflowRecord? {
        try await journal.waitUntilOpen()
        return try await journal.backend.workflow(id: id)
    }

    /// Reads one workflow's row; an unknown id throws ``WorkflowError/notFound(workflowID:)``.
    public func existingWorkflow(id: String) async throws -> WorkflowRecord {
        guard let record = try await workflow(id: id) else { throw WorkflowError.notFound(workflowID: id) }
        return record
    }

    /// Lists workflows matching `query`.
    public func listWorkflows(_ query: WorkflowQuery = WorkflowQuery()) async throws -> [WorkflowRecord] {
        try await journal.waitUntilOpen()
        return try await journal.backend.listWorkflows(query)
    }

    /// Lists the recorded operations of a workflow, in step order.
    public func steps(workflowID: String) async throws -> [StepRecord] {
        try await journal.waitUntilOpen()
        guard try await journal.backend.workflow(id: workflowID) != nil else {
            throw WorkflowError.notFound(workflowID: workflowID)
        }
        return try await journal.backend.steps(workflowID: workflowID)
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
    /// throws ``WorkflowError/notFound(workflowID:)`` and writes nothing.
    @discardableResult
    public func cancel(id: String) async throws -> WorkflowRecord {
        let now = journalTimestamp(clock.now())
        let cancel = JournalWrite.cancelTree(rootID: id, originJSON: try cancelOriginJSON(rootID: id), at: now)
        let results = try await submitGuarded(required: [.expectWorkflow(id: id, statuses: nil)], then: [cancel])
        guard let results else { throw WorkflowError.notFound(workflowID: id) }
        if case .cancelled(let ids) = results[1] {
            for cancelled in ids { board.markCancelled(cancelled) }
        }
        let record = try await existingWorkflow(id: id)
        if record.status == .cancelled { board.markCancelled(id) }
        return record
    }

    /// Commits a ``JournalWrite/guarded(required:then:)`` group alone and returns its results,
    /// or nil if it was refused (nothing written); `onRefusal` sees the refused results first.
    func submitGuarded(
        required: [JournalWrite], then: [JournalWrite], onRefusal: ([JournalWriteResult]) throws -> Void = { _ in }
    ) async throws -> [JournalWriteResult]? {
        let result = try await journal.submit(.guarded(required: required, then: then))
        guard case .guarded(let applied, let results) = result else {
            throw JournalError.queryFailed(operation: "commit a guarded write", reason: "unexpected result \(result)")
        }
        if applied { return results }
        try onRefusal(results)
        return nil
    }

    /// Resumes a cancelled, failed or dead-lettered workflow, and the descendants that were
    /// cancelled with it (by ``cancel(id:)`` of this workflow): they run again from their
    /// checkpoints (recorded steps are not run again), and a parent replaying the call of such a
    /// child runs it or waits for it and gets its real result. Descendants cancelled on their
    /// own, or that finished, are left as they are. The workflow and its descendants change
    /// state in one journal transaction.
    ///
    /// With `queue` (always, for a `.client` runtime, which has no workers: its own queue or
    /// the one given), the workflow goes back on that queue as `ENQUEUED` and whichever worker
    /// of any process dequeues it runs it; a queued descendant goes back on its own queue, any
    /// other descendant on that queue too. Without, a worker runtime runs them all here.
    ///
    /// The workflow's state is checked again in the transaction of its writes: if it is no
    /// longer resumable by then (another resume got there first), the call throws
    /// ``WorkflowError/invalidState(workflowID:status:action:)`` and writes nothing, not even
    /// for the descendants.
    @discardableResult
    public func resume(id: String, queue: String? = nil) async throws -> WorkflowRecord {
        let before = try await existingWorkflow(id: id)
        let resumable: [WorkflowStatus] = [.cancelled, .error, .maxRecoveryAttemptsExceeded]
        guard resumable.contains(before.status) else {
            throw WorkflowError.invalidState(workflowID: id, status: before.status, action: "resume")
        }
        let descendants = before.status == .cancelled ? try await descendantsCancelled(with: id) : []
        let now = journalTimestamp(clock.now())
        let handOff = try queueForHandOff(explicit: queue, of: before, action: "resume")
        let root: JournalWrite = if let handOff {
            .requeue(id: id, from: resumable, queue: handOff, at: now)
        } else {
            .transition(id: id, from: resumable, to: .pending, executorID: executorID, resetRecoveryAttempts: true, at: now)
        }
        guard let results = try await submitGuarded(
            required: [root], then: resumeWrites(for: descendants, handOffQueue: handOff, at: now))
        else {
            let now = try await existingWorkflow(id: id)
            throw WorkflowError.invalidState(workflowID: id, status: now.status, action: "resume")
        }
        board.clearCancelled(id)
        for descendant in descendants { board.clearCancelled(descendant.id) }
        if let handOff {
            for queueName in Set(descendants.map { $0.queueName ?? handOff } + [handOff]) { wakeQueue(queueName) }
            return try await existingWorkflow(id: id)
        }
        let record = try await existingWorkflow(id: id)
        dispatch(record)
        // Resumed descendants run here too: a child the parent awaits inline is claimed by
        // whichever gets there first (the parent's replay or this), the other waits for it.
        for (descendant, result) in zip(descendants, results.dropFirst()) where result == .updated(true) {
            // Read again: the resume raised its ownership generation.
            dispatch(try await existingWorkflow(id: descendant.id))
        }
        return record
    }

    /// The queue a workflow is handed to instead of running here: the explicit one; for a
    /// client runtime, else the workflow's own queue. Nil: run it here.
    private func queueForHandOff(explicit: String?, of record: WorkflowRecord, action: String) throws -> String? {
        if let explicit { return explicit }
        guard configuration.role == .client else { return nil }
        guard let recorded = record.queueName else {
            throw WorkflowError.invalidState(
                workflowID: record.id, status: record.status,
                action: "\(action) from a client without a queue (the workflow was never queued; name the queue a server works on)")
        }
        return recorded
    }

    /// Forks a workflow from step `step`: a new workflow with the same name and input whose
    /// operations before `step` are copied (so they return their recorded outcomes) and the
    /// rest run anew. Returns the new workflow's row.
    ///
    /// With `queue` (always, for a `.client` runtime: the original's queue or the one given), the
    /// fork is enqueued there for any process's workers instead of running here.
    ///
    /// The new id must be free: the original's existence, the insert of the new row and the
    /// copy of the steps are one all-or-nothing journal write, so a fork refused because `newID`
    /// is taken throws ``WorkflowError/conflictingWorkflowName(workflowID:existing:requested:)``
    /// and writes nothing: above all, no step of the original reaches the workflow that holds the id.
    @discardableResult
    public func fork(id: String, fromStep step: Int, newID: String? = nil, queue: String? = nil) async throws -> WorkflowRecord {
        guard step >= 1 else {
            throw WorkflowError.invalidState(workflowID: id, status: .pending, action: "fork from step \(step) (steps start at 1)")
        }
        if let newID { try WorkflowID.validate(newID) }
        let original = try await existingWorkflow(id: id)
        // Recorded steps only ever grow, so a check before the transaction holds in it.
        let recorded = try await journal.backend.steps(workflowID: id).map(\.stepNumber).max() ?? 0
        guard step <= recorded + 1 else { throw WorkflowError.forkPastEnd(workflowID: id, step: step, recorded: recorded) }
        let now = journalTimestamp(clock.now())
        let handOff = try queueForHandOff(explicit: queue, of: original, action: "fork")
        let forked = interceptors.withTraceContext(WorkflowRecord(
            id: newID ?? "\(id)-fork-\(now)", name: original.name, status: handOff == nil ? .pending : .enqueued,
            inputJSON: original.inputJSON, executorID: handOff == nil ? executorID : nil, queueName: handOff,
            maxRecoveryAttempts: original.maxRecoveryAttempts, createdAt: now, updatedAt: now))
        let writes: [JournalWrite] = [
            .expectWorkflow(id: id, statuses: nil), .insertWorkflow(forked),
            .copySteps(sourceID: id, targetID: forked.id, belowStep: step),
        ]
        _ = try await submitGuarded(required: writes, then: []) { results in
            // A commit retried after its reply was lost finds its own row: the fork landed.
            if case .workflowExists(let existing) = results.last, existing == forked { return }
            switch results.last {
            case .found(nil): throw WorkflowError.notFound(workflowID: id)
            case .workflowExists(let existing):
                throw WorkflowError.conflictingWorkflowName(workflowID: forked.id, existing: existing.name, requested: "fork of \(id)")
            case .refused(let reason):
                throw WorkflowError.invalidState(workflowID: forked.id, status: .pending, action: "fork into it (\(reason))")
            default:
                throw JournalError.queryFailed(operation: "fork \(id)", reason: "unexpected results \(results)")
            }
        }
        if let handOff {
            wakeQueue(handOff)
        } else {
            dispatch(forked)
        }
        return forked
    }

    /// Recovers the `PENDING` workflows of `executorIDs` (dead processes) on this executor:
    /// each recovery counts as an attempt; past its limit a workflow is dead-lettered.
    ///
    /// `executorIDs` must name at least one executor, each following the id rule of
    /// ``WorkflowID``; otherwise ``WorkflowError/invalidExecutorIDs(reason:)`` is thrown before
    /// anything is written. The claim itself is one journal transaction.
    @discardableResult
    public func recover(executorIDs: [String]) async throws -> RecoveryClaim {
        guard !executorIDs.isEmpty else {
            throw WorkflowError.invalidExecutorIDs(reason: "no executor id given; name the executors whose workflows to recover")
        }
        for id in executorIDs {
            if let rule = WorkflowID.problem(id, noun: "an executor id") {
                throw WorkflowError.invalidExecutorIDs(reason: "executor id '\(WorkflowID.shown(id))' is not valid: \(rule)")
            }
        }
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
        let claim = try await recover(executorIDs: [executorID])
        if !claim.toRun.isEmpty || !claim.requeued.isEmpty {
            logger.info("recovered pending workflows", metadata: [
                "executor_id": "\(executorID)", "resumed": "\(claim.toRun.count)", "requeued": "\(claim.requeued.count)",
            ])
        }
    }
}
