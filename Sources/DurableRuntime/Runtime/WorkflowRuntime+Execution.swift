import Foundation

extension WorkflowRuntime {
    /// Starts a workflow, or returns the existing one if `id` is already used.
    ///
    /// Starting an id that exists never runs it twice: a finished workflow's handle returns its
    /// recorded result; a pending one owned by this executor and not running here is resumed.
    /// Reusing an id under another workflow name throws
    /// ``WorkflowError/conflictingWorkflowName(workflowID:existing:requested:)``.
    @discardableResult
    public func start<W: Workflow>(
        _ workflow: W.Type, id: String? = nil, input: W.Input
    ) async throws -> WorkflowHandle<W.Output> {
        let record = try makeRecord(W.self, id: id ?? UUID().uuidString.lowercased(), input: input, status: .pending)
        let admitted = try await admit(record)
        return WorkflowHandle(id: admitted.id, runtime: self)
    }

    /// Starts a workflow and waits for its output.
    public func run<W: Workflow>(_ workflow: W.Type, id: String? = nil, input: W.Input) async throws -> W.Output {
        try await start(workflow, id: id, input: input).result()
    }

    /// Puts a workflow on a named queue; a worker of any process sharing the journal runs it
    /// within the queue's concurrency limits.
    @discardableResult
    public func enqueue<W: Workflow>(
        _ workflow: W.Type, queue: String, id: String? = nil, input: W.Input,
        options: EnqueueOptions = EnqueueOptions()
    ) async throws -> WorkflowHandle<W.Output> {
        var record = try makeRecord(W.self, id: id ?? UUID().uuidString.lowercased(), input: input, status: .enqueued)
        record.queueName = queue
        record.executorID = nil
        record.priority = options.priority
        record.deduplicationID = options.deduplicationID
        let admitted = try await admit(record)
        return WorkflowHandle(id: admitted.id, runtime: self)
    }

    /// Enqueues a workflow by its registered name with a JSON input (for clients that only know
    /// names); this is ``DurableClient/enqueue(name:inputJSON:id:queue:options:maxRecoveryAttempts:)``.
    @discardableResult
    public func enqueue(
        name: String, queue: String, id: String? = nil, inputJSON: String,
        maxRecoveryAttempts: Int = 100, options: EnqueueOptions = EnqueueOptions()
    ) async throws -> String {
        try await management.enqueue(
            name: name, inputJSON: inputJSON, id: id, queue: queue, options: options, maxRecoveryAttempts: maxRecoveryAttempts).record.id
    }

    func makeRecord<W: Workflow>(
        _ workflow: W.Type, id: String, input: W.Input, status: WorkflowStatus, parentID: String? = nil
    ) throws -> WorkflowRecord {
        let now = journalTimestamp(clock.now())
        return interceptors.withTraceContext(WorkflowRecord(
            id: id, name: W.name, status: status, inputJSON: try JournalJSON.encode(input),
            executorID: status == .pending ? executorID : nil, maxRecoveryAttempts: W.maxRecoveryAttempts,
            parentID: parentID, createdAt: now, updatedAt: now))
    }

    /// Inserts `record` (unless its id exists) and dispatches it. Returns the row as it stands
    /// in the journal.
    @discardableResult
    func admit(_ record: WorkflowRecord) async throws -> WorkflowRecord {
        // An id the caller chose; ids derived from a parent's are not re-checked.
        if record.parentID == nil { try WorkflowID.validate(record.id) }
        let commit = try await journal.submit([.insertWorkflow(record)])
        let stored = try DurableClient.interpretInsert(commit.results[0], record: record)
        if commit.results[0] == .workflowInserted, record.status == .enqueued { interceptors.observe(.enqueued(record)) }
        dispatch(stored)
        return stored
    }

    /// Wakes the queue workers for an enqueued workflow, or submits a pending one owned by this
    /// executor that is not running here yet.
    func dispatch(_ record: WorkflowRecord) {
        if record.status == .enqueued, let queue = record.queueName {
            wakeQueue(queue)
        } else {
            resumeIfOwnedAndIdle(record)
        }
    }

    /// Submits a pending workflow owned by this executor for execution unless it already runs.
    func resumeIfOwnedAndIdle(_ record: WorkflowRecord) {
        guard record.status == .pending, record.executorID == executorID, !board.isRunning(record.id) else { return }
        submitForExecution(record)
    }

    /// Executes a workflow unless it already runs in this process; records its outcome.
    func execute(_ record: WorkflowRecord) async {
        guard board.claim(record.id) else { return }
        defer {
            board.release(record.id)
            if let queue = record.queueName { wakeQueue(queue) }
        }
        do {
            try await executeClaimed(record)
        } catch WorkflowError.takenOver(let id) where id == record.id {
            logger.notice("workflow taken over by another executor; abandoned here", metadata: [
                "workflow_id": "\(record.id)", "executor_id": "\(executorID)",
            ])
        } catch {
            if StorageFailure.isInfrastructure(error) {
                stopForInfrastructureFailure(error, workflowID: record.id)
            } else {
                logger.debug("workflow left unfinished", metadata: ["workflow_id": "\(record.id)", "reason": "\(error)"])
            }
        }
    }

    /// Runs the body of a claimed workflow and writes SUCCESS or ERROR. Returns the finished
    /// row when this write ended the workflow, nil when it was no longer `PENDING` (cancelled,
    /// say), so the caller must read what is there.
    ///
    /// `isNew` says the row was inserted by this process just now, so it has no recorded
    /// operations to read. Otherwise the execution begins only if the row is still `PENDING`
    /// and held by this claim as it is read (``JournalBackend/steps(workflowID:ifOwnedBy:)``):
    /// `record` may have been read a moment before its execution here finished, or before it
    /// was cancelled or taken over, and such a stale dispatch returns nil without running
    /// anything or showing interceptors an execution. An execution that begins forgets any
    /// cancel of the workflow this process saw before its claim.
    @discardableResult
    func executeClaimed(_ record: WorkflowRecord, isNew: Bool = false, deferred: DeferredChild? = nil) async throws -> WorkflowRecord? {
        let recorded: [StepRecord]
        if isNew {
            recorded = []
        } else if let steps = try await journal.backend.steps(workflowID: record.id, ifOwnedBy: owner(of: record)) {
            recorded = steps
            // The row is PENDING under this claim, so a cancel this process saw earlier was
            // undone since (a resume, maybe committed by another process, which cannot clear
            // this board): forget it. A cancel committed after this read is still seen, at the
            // execution's next commit.
            board.clearCancelled(record.id)
        } else {
            logger.debug("workflow no longer pending here; not run", metadata: ["workflow_id": "\(record.id)"])
            return nil
        }
        guard let entry = registry.entry(named: record.name) else {
            let error = WorkflowError.unknownWorkflow(name: record.name, registered: registry.names)
            logger.error("cannot execute workflow", metadata: ["workflow_id": "\(record.id)", "error": "\(error)"])
            return try await complete(record, outcome: .failure(RecordedError(error)), carried: deferred?.carry.take() ?? [],
                                      deferTo: deferred?.completionCarry)
        }
        if interceptors.isEmpty { return try await executeRegistered(record, entry: entry, recorded: recorded, deferred: deferred) }
        let origin: WorkflowExecution.Origin =
            recovered.withLock { $0.contains(record.id) } ? .recovered : record.queueName != nil ? .dequeued : .started
        return try await interceptors.workflow(WorkflowExecution(record: record, executorID: executorID, origin: origin)) {
            try await executeRegistered(record, entry: entry, recorded: recorded, deferred: deferred)
        }
    }

    /// ``executeClaimed(_:isNew:deferred:)`` of a workflow whose name is registered, with the
    /// operations it has `recorded`.
    private func executeRegistered(
        _ record: WorkflowRecord, entry: WorkflowRegistry.Entry, recorded: [StepRecord], deferred: DeferredChild?
    ) async throws -> WorkflowRecord? {
        let logContext = WorkflowLogContext(workflowID: record.id, workflowName: record.name, executorID: executorID)
        return try await WorkflowLogContext.$current.withValue(logContext) {
            try await executeInContext(record, entry: entry, recorded: recorded, deferred: deferred)
        }
    }

    private func executeInContext(
        _ record: WorkflowRecord, entry: WorkflowRegistry.Entry, recorded: [StepRecord], deferred: DeferredChild?
    ) async throws -> WorkflowRecord? {
        let context = WorkflowContext(
            workflowID: record.id, workflowName: record.name, runtime: self, recorded: recorded, owner: owner(of: record),
            carry: deferred?.carry ?? WriteCarry())
        let outcome: Result<String, RecordedError>
        do {
            outcome = .success(try await entry.run(context, record.inputJSON))
        } catch {
            if !shouldRecordFailure(error, workflowID: record.id) { throw error }
            outcome = .failure(RecordedError(error))
        }
        return try await complete(record, outcome: outcome, carried: context.carry.take(), deferTo: deferred?.completionCarry)
    }

    /// Whether an error that ended workflow `workflowID` is its real outcome (ERROR), rather
    /// than a stop that leaves it for recovery (shutdown, crash, lost journal) or its own
    /// cancellation. A child's cancellation that reaches a parent which is not cancelled itself
    /// is the parent's failure: it ends `ERROR` instead of staying `PENDING` with nobody
    /// running it.
    func shouldRecordFailure(_ error: any Error, workflowID: String) -> Bool {
        if Task.isCancelled || error is CancellationError { return false }
        if StorageFailure.isInfrastructure(error) { return false }
        if let journalError = error as? JournalError {
            switch journalError {
            case .crashed, .unreachable, .authenticationFailed, .databaseNotFound: return false
            default: return true
            }
        }
        if board.isCancelled(workflowID) { return false }
        if case WorkflowError.cancelled(let cancelledID) = error, cancelledID == workflowID { return false }
        // Fenced: another executor owns it now (a child's fencing fences its parent too).
        if case WorkflowError.takenOver = error { return false }
        return true
    }

    /// Writes the outcome of `record`, after the writes its execution still `carried`; returns
    /// the finished row if the write ended it (the row was `PENDING`), nil if it did not. With
    /// `deferTo` (an inline child whose start was deferred, see ``WriteCarry``) nothing is
    /// committed here: the writes and the completion go to the parent's carry, and the finished
    /// row is returned.
    func complete(
        _ record: WorkflowRecord, outcome: Result<String, RecordedError>, carried: [WriteCarry.Item] = [], deferTo: WriteCarry? = nil
    ) async throws -> WorkflowRecord? {
        var finished = record
        finished.updatedAt = journalTimestamp(clock.now())
        finished.deduplicationID = nil
        switch outcome {
        case .success(let output):
            (finished.status, finished.outputJSON, finished.errorJSON) = (.success, output, nil)
        case .failure(let error):
            (finished.status, finished.outputJSON, finished.errorJSON) = (.error, nil, try JournalJSON.encode(error))
        }
        let completion = JournalWrite.completeWorkflow(
            id: record.id, status: finished.status, outputJSON: finished.outputJSON, errorJSON: finished.errorJSON,
            at: finished.updatedAt, owner: owner(of: record))
        if let deferTo {
            deferTo.append(carried + [WriteCarry.Item(write: completion) { _ in }])
            return finished
        }
        let commit = try await WriteCarry.submit(carried, then: [completion], to: journal)
        return commit.results.last == .updated(true) ? finished : nil
    }

    /// Stops the runtime after an infrastructure failure (see ``InfrastructureFailure``): `run()`
    /// ends with `error`, and every workflow in flight stays `PENDING` with its checkpoints.
    func stopForInfrastructureFailure(_ error: any Error, workflowID: String) {
        logger.critical("storage failed; stopping the runtime (the workflow stays PENDING and resumes on the next run)", metadata: [
            "workflow_id": "\(workflowID)", "error": "\(error)",
        ])
        infrastructureFailed.settle(.failure(error))
    }

    /// The owner an execution of `record` (a row this executor claimed) writes as: this executor,
    /// at the row's ownership generation.
    func owner(of record: WorkflowRecord) -> WorkflowOwner {
        WorkflowOwner(executorID: executorID, generation: record.ownerGeneration)
    }

    /// Runs a child workflow in the caller's task if nobody runs it here yet, otherwise waits
    /// for the execution that does; then returns its stored row. `isNew` says this process just
    /// inserted the row (nothing recorded yet, so nothing to read before running it).
    ///
    /// With `carry` (a new child whose start was deferred, see ``WriteCarry``) the child's start
    /// rides in its first commit, and its completion goes to `completionCarry`, its parent's.
    func runOrAwait(
        _ record: WorkflowRecord, isNew: Bool = false, carry: WriteCarry? = nil, completionCarry: WriteCarry? = nil
    ) async throws -> WorkflowRecord {
        var current = record
        while !current.status.isTerminal {
            if current.status == .pending, current.executorID == executorID, board.claim(current.id) {
                defer { board.release(current.id) }
                let first = isNew && current == record
                let deferred = first ? carry.flatMap { carry in completionCarry.map { DeferredChild(carry: carry, completionCarry: $0) } } : nil
                if let finished = try await executeClaimed(current, isNew: first, deferred: deferred) {
                    return finished
                }
            } else {
                let generation = board.generation
                if let fresh = try await journal.backend.workflow(id: current.id), fresh.status.isTerminal {
                    return fresh
                }
                await board.waitForCompletion(after: generation, timeout: configuration.resultPollInterval)
                try Task.checkCancellation()
            }
            guard let fresh = try await journal.backend.workflow(id: current.id) else {
                throw WorkflowError.notFound(workflowID: current.id)
            }
            current = fresh
        }
        return current
    }

    /// Waits until workflow `id` reaches a terminal state and returns its row.
    func waitForTerminal(_ id: String) async throws -> WorkflowRecord {
        while true {
            let generation = board.generation
            guard let record = try await journal.backend.workflow(id: id) else {
                throw WorkflowError.notFound(workflowID: id)
            }
            if record.status.isTerminal { return record }
            await board.waitForCompletion(after: generation, timeout: configuration.resultPollInterval)
            try Task.checkCancellation()
        }
    }
}

/// An inline child whose start was deferred: the writes it carries from its parent (its row,
/// the parent's record of the call) and where its completion goes (the parent's carry).
struct DeferredChild: Sendable {
    let carry: WriteCarry
    let completionCarry: WriteCarry
}
