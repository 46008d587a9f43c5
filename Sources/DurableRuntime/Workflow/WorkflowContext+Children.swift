extension WorkflowContext {
    /// Runs a child workflow and waits for its output. The child's id is derived from this
    /// workflow's id and the call's position (`<parent>-<n>`) unless `id` is given, so a replay
    /// finds the same child instead of starting another.
    ///
    /// A new child with a derived id costs no commit of its own: the record of the call and the
    /// child's row ride in the child's first commit, and the child's completion rides in this
    /// workflow's next commit (see ``WriteCarry``), so a chain of parent and inline children
    /// pays only for the children's own steps. Until then the journal shows the child as not
    /// started, or as `PENDING`; a crash in between replays it (nothing of it is lost that a
    /// replay does not redo).
    public func runChild<W: Workflow>(_ workflow: W.Type, input: W.Input, id: String? = nil) async throws -> W.Output {
        if id == nil, let (child, childCarry) = try deferredChildStart(W.self, input: input) {
            let finished = try await runtime.runOrAwait(child, isNew: true, carry: childCarry, completionCarry: carry)
            return try WorkflowHandle<W.Output>.output(of: finished)
        }
        let (child, isNew) = try await childOperation(W.self, input: input, id: id, queue: nil, options: EnqueueOptions(), runInline: true)
        let finished = try await runtime.runOrAwait(child, isNew: isNew)
        return try WorkflowHandle<W.Output>.output(of: finished)
    }

    /// The start of a new inline child with a derived id, not committed: the child's row and
    /// this workflow's record of the call, after what this workflow carries, handed to the
    /// child to carry into its first commit. Nil when the call is recorded already (a replay),
    /// which then takes the ordinary path.
    private func deferredChildStart<W: Workflow>(_ workflow: W.Type, input: W.Input) throws -> (WorkflowRecord, WriteCarry)? {
        let number = try beginOperations(W.name, count: 1)
        if try recordedOperation(number: number, name: W.name) != nil {
            // Give the number back: childOperation takes it again and finds the record.
            rewindOperation(to: number)
            return nil
        }
        defer { endOperations() }
        let childID = "\(workflowID)-\(number)"
        let child = try runtime.makeRecord(W.self, id: childID, input: input, status: .pending, parentID: workflowID)
        let now = journalTimestamp(runtime.clock.now())
        let call = stepRecord(number: number, name: W.name, startedAt: now, outputJSON: nil, errorJSON: nil, childWorkflowID: childID)
        let (runtime, parentID, workflowName) = (runtime, workflowID, workflowName)
        let items = carry.take() + [
            WriteCarry.Item(write: .insertWorkflow(child, parentOwner: owner), startedUnder: parentID) { result in
                if result == .workflowInserted { runtime.interceptors.observe(.childStarted(parentID: parentID, child: child)) }
            },
            WriteCarry.Item(write: .recordStep(call, owner: owner)) { result in
                if result == .stepRecorded { runtime.interceptors.observe(.checkpointed(call, workflowName: workflowName)) }
            },
        ]
        return (child, WriteCarry(items))
    }

    /// Starts a child workflow that runs concurrently and returns its handle.
    public func startChild<W: Workflow>(_ workflow: W.Type, input: W.Input, id: String? = nil) async throws -> WorkflowHandle<W.Output> {
        let (child, _) = try await childOperation(W.self, input: input, id: id, queue: nil, options: EnqueueOptions(), runInline: false)
        return WorkflowHandle(id: child.id, runtime: runtime)
    }

    /// Enqueues a child workflow on a named queue and returns its handle.
    public func enqueue<W: Workflow>(
        _ workflow: W.Type, queue: String, input: W.Input, id: String? = nil, options: EnqueueOptions = EnqueueOptions()
    ) async throws -> WorkflowHandle<W.Output> {
        let (child, _) = try await childOperation(W.self, input: input, id: id, queue: queue, options: options, runInline: false)
        return WorkflowHandle(id: child.id, runtime: runtime)
    }

    /// Records the child call at the next position (creating the child in the same
    /// transaction), or finds the child recorded there on replay. Returns the child's row, and
    /// whether this call inserted it.
    private func childOperation<W: Workflow>(
        _ workflow: W.Type, input: W.Input, id: String?, queue: String?, options: EnqueueOptions, runInline: Bool
    ) async throws -> (record: WorkflowRecord, isNew: Bool) {
        let number = try beginOperations(W.name, count: 1)
        defer { endOperations() }
        if let recorded = try recordedOperation(number: number, name: W.name) {
            guard let childID = recorded.childWorkflowID,
                  let child = try await runtime.journal.backend.workflow(id: childID) else {
                throw WorkflowError.notFound(workflowID: recorded.childWorkflowID ?? "(none recorded at step \(number))")
            }
            if !runInline { runtime.dispatch(child) }
            return (child, false)
        }
        let childID = id ?? "\(workflowID)-\(number)"
        var child = try runtime.makeRecord(W.self, id: childID, input: input, status: queue == nil ? .pending : .enqueued, parentID: workflowID)
        if let queue {
            child.queueName = queue
            child.priority = options.priority
            child.deduplicationID = options.deduplicationID
        }
        let startedAt = journalTimestamp(runtime.clock.now())
        let results = try await recordOutcome(
            number: number, name: W.name, startedAt: startedAt, outputJSON: nil, errorJSON: nil,
            childWorkflowID: childID, alongside: [.insertWorkflow(child, parentOwner: owner)])
        // A child started by an execution that was claimed away is not inserted (the step is
        // fenced too, and recordOutcome has thrown).
        let stored = try DurableClient.interpretInsert(results[0], record: child)
        if results[0] == .workflowInserted {
            runtime.interceptors.observe(.childStarted(parentID: workflowID, child: child))
            if queue != nil { runtime.interceptors.observe(.enqueued(child)) }
        }
        // A cancel of this workflow that committed just before this call did not see the new
        // child: cancel the child too, so that it never runs on its own.
        if runtime.board.isCancelled(workflowID) {
            if results[0] == .workflowInserted { try await runtime.cancelLikeParent(childID: childID, parentID: workflowID) }
            throw WorkflowError.cancelled(workflowID: workflowID)
        }
        if !runInline { runtime.dispatch(stored) }
        return (stored, results[0] == .workflowInserted)
    }
}
