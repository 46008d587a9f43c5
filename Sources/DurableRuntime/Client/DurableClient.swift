import Foundation

/// Starts, reads and manages workflows through a journal alone: no worker runtime, no
/// registered workflows, nothing executed in this process.
///
/// This is the one management layer: the `elt` verbs, `elt-server`'s admin API and its
/// dashboard all call it, and a ``WorkflowRuntime``'s own ``WorkflowRuntime/cancel(id:)``,
/// ``WorkflowRuntime/resume(id:queue:)``, ``WorkflowRuntime/fork(id:fromStep:newID:queue:)``
/// and ``WorkflowRuntime/recover(executorIDs:)`` are this client plus running the result here.
/// It owns the hand-off policy, as DBOS's client does:
///
/// - a workflow started by name goes on the queue given, else on ``defaultQueue``;
/// - a resume or a fork goes back on the workflow's own queue, else on ``defaultQueue``, and
///   whichever worker of any process works that queue runs it;
/// - a recovery claims the workflows of the named executors for a live executor: the worker of
///   this process if the client belongs to one, else the live executor whose lease was renewed
///   last (which adopts them within a lease period). An executor that still holds a live lease
///   is refused: it is running, and recovering its workflows would run them twice.
///
/// A client made with ``init(backend:defaultQueue:queues:)`` needs its backend's background
/// work running and its journal migrated: ``withClient(backend:defaultQueue:queues:_:)`` does
/// both. Errors: ``WorkflowError`` for the refusals (unknown id, wrong state, id taken),
/// ``JournalError`` or the backend's own for storage failures.
public struct DurableClient: Sendable {
    /// The journal actor every write goes through.
    public let journal: JournalActor
    /// Where a workflow goes when no queue is named and it has none of its own.
    public let defaultQueue: String
    /// The queues whose statistics ``queueStatistics()`` reports, with their limits.
    public let queues: [WorkflowQueue]
    let clock: any RuntimeClock
    let interceptors: InterceptorChain
    /// The worker runtime this client belongs to, if any: it is woken for what the client
    /// queues, and runs what a recovery claims.
    let host: WorkflowRuntime?

    /// A client of the journal `backend`. `defaultQueue` takes what is started, resumed or forked
    /// without a queue of its own; `queues` are the queues reported by ``queueStatistics()``.
    public init(backend: any JournalBackend, defaultQueue: String, queues: [WorkflowQueue] = [], clock: any RuntimeClock = SystemClock()) {
        self.init(journal: JournalActor(backend: backend), defaultQueue: defaultQueue, queues: queues, clock: clock, interceptors: InterceptorChain(interceptors: []), host: nil)
    }

    init(journal: JournalActor, defaultQueue: String, queues: [WorkflowQueue], clock: any RuntimeClock, interceptors: InterceptorChain, host: WorkflowRuntime?) {
        self.journal = journal
        self.defaultQueue = defaultQueue
        self.queues = queues
        self.clock = clock
        self.interceptors = interceptors
        self.host = host
    }

    /// Runs `body` with a client of `backend`: runs the backend's background work (its
    /// connection pool) and migrates the journal first, stops the background work after.
    public static func withClient<T: Sendable>(
        backend: any JournalBackend, defaultQueue: String, queues: [WorkflowQueue] = [],
        _ body: @Sendable (DurableClient) async throws -> T
    ) async throws -> T {
        let client = DurableClient(backend: backend, defaultQueue: defaultQueue, queues: queues)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await JournalService(backend: backend).run() }
            defer { group.cancelAll() }
            try await client.journal.open()
            return try await body(client)
        }
    }

    var now: Int64 { journalTimestamp(clock.now()) }

    // MARK: Starting

    /// What ``enqueue(name:inputJSON:id:queue:options:maxRecoveryAttempts:)`` found.
    public struct Enqueued: Sendable {
        /// The workflow's row as it stands in the journal.
        public var record: WorkflowRecord
        /// Whether the id existed already: nothing was enqueued, the existing workflow is returned.
        public var existed: Bool
        /// With an existing id: whether its recorded input differs from the given one (which is
        /// then ignored). Compared as JSON values: key order and spacing do not count.
        public var inputDiffers: Bool
    }

    /// Enqueues workflow `name` with the input `inputJSON` on `queue` (default
    /// ``defaultQueue``); a worker of any process that works the queue and has `name`
    /// registered runs it. With an `id` that exists, nothing is written and the existing
    /// workflow comes back (``Enqueued/existed``), so starting an id twice never runs it twice;
    /// under another name that throws ``WorkflowError/conflictingWorkflowName(workflowID:existing:requested:)``.
    /// An `id` that breaks the id rule throws ``WorkflowError/invalidWorkflowID(shown:rule:)``.
    public func enqueue(
        name: String, inputJSON: String, id: String? = nil, queue: String? = nil,
        options: EnqueueOptions = EnqueueOptions(), maxRecoveryAttempts: Int = 100
    ) async throws -> Enqueued {
        let id = id ?? UUID().uuidString.lowercased()
        try WorkflowID.validate(id)
        let queue = queue ?? defaultQueue
        let now = now
        let record = interceptors.withTraceContext(WorkflowRecord(
            id: id, name: name, status: .enqueued, inputJSON: inputJSON, queueName: queue,
            maxRecoveryAttempts: maxRecoveryAttempts, deduplicationID: options.deduplicationID,
            priority: options.priority, createdAt: now, updatedAt: now))
        let result = try await journal.submit(.insertWorkflow(record))
        let stored = try Self.interpretInsert(result, record: record)
        if result == .workflowInserted {
            interceptors.observe(.enqueued(record))
            host?.wakeQueue(queue)
            return Enqueued(record: stored, existed: false, inputDiffers: false)
        }
        return Enqueued(record: stored, existed: true, inputDiffers: !Self.sameJSON(stored.inputJSON, inputJSON))
    }

    /// The row an insert left: `record`, or the existing row of its id (same name only).
    static func interpretInsert(_ result: JournalWriteResult, record: WorkflowRecord) throws -> WorkflowRecord {
        switch result {
        case .workflowInserted:
            return record
        case .workflowExists(let existing):
            guard existing.name == record.name else {
                throw WorkflowError.conflictingWorkflowName(workflowID: record.id, existing: existing.name, requested: record.name)
            }
            return existing
        case .deduplicated(let existingID):
            throw WorkflowError.deduplicated(
                queue: record.queueName ?? "", deduplicationID: record.deduplicationID ?? "", existingWorkflowID: existingID)
        default:
            throw JournalError.queryFailed(operation: "insert workflow \(record.id)", reason: "unexpected result \(result)")
        }
    }

    /// Whether two JSON texts hold the same value (key order and spacing aside).
    static func sameJSON(_ a: String, _ b: String) -> Bool {
        func canonical(_ text: String) -> Data? {
            guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return nil }
            return try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
        }
        guard let left = canonical(a), let right = canonical(b) else { return a == b }
        return left == right
    }

    /// Waits until workflow `id` ends or `timeout` passes, reading its row every
    /// `pollInterval`, and returns the last row read (not terminal if the time ran out).
    /// An unknown id throws ``WorkflowError/notFound(workflowID:)``.
    public func wait(id: String, timeout: Duration, pollInterval: Duration = .milliseconds(250)) async throws -> WorkflowRecord {
        let deadline = ContinuousClock.now + timeout
        while true {
            let record = try await existingWorkflow(id: id)
            if record.status.isTerminal || ContinuousClock.now >= deadline { return record }
            try await Task.sleep(for: min(pollInterval, deadline - ContinuousClock.now))
        }
    }

    // MARK: Reading

    /// One workflow's row, or nil if the id is unknown.
    public func workflow(id: String) async throws -> WorkflowRecord? {
        try await journal.waitUntilOpen()
        return try await journal.backend.workflow(id: id)
    }

    /// One workflow's row; an unknown id throws ``WorkflowError/notFound(workflowID:)``.
    public func existingWorkflow(id: String) async throws -> WorkflowRecord {
        guard let record = try await workflow(id: id) else { throw WorkflowError.notFound(workflowID: id) }
        return record
    }

    /// The workflows matching `query` (see ``WorkflowQuery``: newest first by default).
    public func listWorkflows(_ query: WorkflowQuery = WorkflowQuery()) async throws -> [WorkflowRecord] {
        try await journal.waitUntilOpen()
        return try await journal.backend.listWorkflows(query)
    }

    /// A workflow's recorded operations, in step order; an unknown id throws
    /// ``WorkflowError/notFound(workflowID:)``.
    public func steps(workflowID: String) async throws -> [StepRecord] {
        _ = try await existingWorkflow(id: workflowID)
        return try await journal.backend.steps(workflowID: workflowID)
    }

    /// The executors registered in the journal (live, released or expired), as the lease table
    /// holds them.
    public func executors() async throws -> [ExecutorInfo] {
        try await journal.waitUntilOpen()
        return try await journal.backend.executors()
    }

    /// One queue's state: its limits, how many of its workflows wait and run, and the oldest
    /// still waiting.
    public struct QueueStatistics: Sendable, Equatable {
        /// The queue's name and limits.
        public var queue: WorkflowQueue
        /// Workflows waiting to be dequeued (`ENQUEUED`).
        public var enqueued: Int
        /// Workflows dequeued and running (`PENDING`).
        public var pending: Int
        /// The longest-waiting `ENQUEUED` workflow, if any.
        public var oldestEnqueued: WorkflowRecord?
    }

    /// The statistics of each of ``queues``, in their order.
    public func queueStatistics() async throws -> [QueueStatistics] {
        try await journal.waitUntilOpen()
        var statistics: [QueueStatistics] = []
        for queue in queues {
            let depth = try await journal.backend.queueDepth(queueName: queue.name)
            let oldest = try await journal.backend.listWorkflows(
                WorkflowQuery(statuses: [.enqueued], queueName: queue.name, limit: 1, order: .ascending)).first
            statistics.append(QueueStatistics(
                queue: queue, enqueued: depth[.enqueued] ?? 0, pending: depth[.pending] ?? 0, oldestEnqueued: oldest))
        }
        return statistics
    }

    // MARK: Managing

    /// What ``cancel(id:)`` did.
    public struct Cancellation: Sendable {
        /// The workflow's status before the cancel.
        public var previousStatus: WorkflowStatus
        /// The workflow's row after it (unchanged if it had finished already).
        public var record: WorkflowRecord
        /// The ids the cancel changed to `CANCELLED`: the workflow and its unfinished descendants.
        public var cancelledIDs: [String]
    }

    /// Cancels a workflow and its unfinished descendants in one journal transaction (see
    /// ``WorkflowRuntime/cancel(id:)`` for the semantics). A finished workflow is left as it is
    /// (``Cancellation/previousStatus`` says so). An unknown id throws
    /// ``WorkflowError/notFound(workflowID:)`` and writes nothing.
    public func cancel(id: String) async throws -> Cancellation {
        let before = try await existingWorkflow(id: id)
        let cancel = JournalWrite.cancelTree(rootID: id, originJSON: try Self.cancelOriginJSON(rootID: id), at: now)
        guard let results = try await submitGuarded(required: [.expectWorkflow(id: id, statuses: nil)], then: [cancel]) else {
            throw WorkflowError.notFound(workflowID: id)
        }
        var cancelled: [String] = []
        if case .cancelled(let ids) = results[1] { cancelled = ids }
        host?.markCancelled(cancelled)
        let record = try await existingWorkflow(id: id)
        if record.status == .cancelled { host?.markCancelled([id]) }
        return Cancellation(previousStatus: before.status, record: record, cancelledIDs: cancelled)
    }

    /// The statuses a resume starts from.
    public static let resumableStatuses: [WorkflowStatus] = [.cancelled, .error, .maxRecoveryAttemptsExceeded]

    /// Where a resumed or forked workflow runs.
    enum Placement {
        /// Handed to a queue: the given one, else the workflow's own, else ``defaultQueue``.
        case queue(String?)
        /// `PENDING` on the executor of this client's runtime, which runs it.
        case here(WorkflowRuntime)
    }

    /// The queue a workflow is handed to: the one named, else its own, else ``defaultQueue``.
    public func handOffQueue(named queue: String? = nil, for record: WorkflowRecord) -> String {
        queue ?? record.queueName ?? defaultQueue
    }

    /// Resumes a cancelled, failed or dead-lettered workflow from its checkpoints on `queue`
    /// (default: its own queue, else ``defaultQueue``), with the descendants cancelled with it
    /// (see ``WorkflowRuntime/resume(id:queue:)``). In any other state it throws
    /// ``WorkflowError/invalidState(workflowID:status:action:)`` and writes nothing.
    @discardableResult
    public func resume(id: String, queue: String? = nil) async throws -> WorkflowRecord {
        try await resume(id: id, placement: .queue(queue))
    }

    func resume(id: String, placement: Placement) async throws -> WorkflowRecord {
        let before = try await existingWorkflow(id: id)
        guard Self.resumableStatuses.contains(before.status) else {
            throw WorkflowError.invalidState(workflowID: id, status: before.status, action: "resume")
        }
        let descendants = before.status == .cancelled ? try await descendantsCancelled(with: id) : []
        let now = now
        let root: JournalWrite
        let rest: [JournalWrite]
        switch placement {
        case .queue(let named):
            let queue = handOffQueue(named: named, for: before)
            root = .requeue(id: id, from: Self.resumableStatuses, queue: queue, at: now)
            rest = descendants.map { .requeue(id: $0.id, from: [.cancelled], queue: $0.queueName ?? queue, at: now) }
        case .here(let runtime):
            root = .transition(id: id, from: Self.resumableStatuses, to: .pending, executorID: runtime.executorID, resetRecoveryAttempts: true, at: now)
            rest = descendants.map {
                .transition(id: $0.id, from: [.cancelled], to: .pending, executorID: runtime.executorID, resetRecoveryAttempts: true, at: now)
            }
        }
        guard let results = try await submitGuarded(required: [root], then: rest) else {
            let current = try await existingWorkflow(id: id)
            throw WorkflowError.invalidState(workflowID: id, status: current.status, action: "resume")
        }
        host?.clearCancelled([id] + descendants.map(\.id))
        let record = try await existingWorkflow(id: id)
        switch placement {
        case .queue(let named):
            let queue = handOffQueue(named: named, for: before)
            for name in Set(descendants.map { $0.queueName ?? queue } + [queue]) { host?.wakeQueue(name) }
        case .here(let runtime):
            runtime.dispatch(record)
            // Resumed descendants run here too: a child the parent awaits inline is claimed by
            // whichever gets there first (the parent's replay or this), the other waits for it.
            for (descendant, result) in zip(descendants, results.dropFirst()) where result == .updated(true) {
                // Read again: the resume raised its ownership generation.
                runtime.dispatch(try await existingWorkflow(id: descendant.id))
            }
        }
        return record
    }

    /// Forks a workflow from step `step` (numbered from 1) into `newID` (default
    /// `<id>-fork-<milliseconds>`), enqueued on `queue` (default: the original's queue, else
    /// ``defaultQueue``): the steps before `step` are copied, the rest run anew. Throws
    /// ``WorkflowError/forkPastEnd(workflowID:step:recorded:)`` past the recorded steps + 1,
    /// ``WorkflowError/conflictingWorkflowName(workflowID:existing:requested:)`` if `newID` is
    /// taken, ``WorkflowError/notFound(workflowID:)`` for an unknown id; then nothing is written.
    @discardableResult
    public func fork(id: String, fromStep step: Int, newID: String? = nil, queue: String? = nil) async throws -> WorkflowRecord {
        try await fork(id: id, fromStep: step, newID: newID, placement: .queue(queue))
    }

    func fork(id: String, fromStep step: Int, newID: String?, placement: Placement) async throws -> WorkflowRecord {
        guard step >= 1 else {
            throw WorkflowError.invalidState(workflowID: id, status: .pending, action: "fork from step \(step) (steps start at 1)")
        }
        if let newID { try WorkflowID.validate(newID) }
        let original = try await existingWorkflow(id: id)
        // Recorded steps only ever grow, so a check before the transaction holds in it.
        let recorded = try await journal.backend.steps(workflowID: id).map(\.stepNumber).max() ?? 0
        guard step <= recorded + 1 else { throw WorkflowError.forkPastEnd(workflowID: id, step: step, recorded: recorded) }
        let now = now
        var queue: String?
        var executor: String?
        switch placement {
        case .queue(let named): queue = handOffQueue(named: named, for: original)
        case .here(let runtime): executor = runtime.executorID
        }
        let forked = interceptors.withTraceContext(WorkflowRecord(
            id: newID ?? "\(id)-fork-\(now)", name: original.name, status: queue == nil ? .pending : .enqueued,
            inputJSON: original.inputJSON, executorID: executor, queueName: queue,
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
        switch placement {
        case .queue: if let queue { host?.wakeQueue(queue) }
        case .here(let runtime): runtime.dispatch(forked)
        }
        return forked
    }

    /// Recovers the `PENDING` workflows of `executorIDs` (dead processes): queued ones go back
    /// on their queue, the others are claimed for a live executor (see the type's policy), each
    /// recovery counting as an attempt; past its limit a workflow is dead-lettered.
    ///
    /// Throws ``WorkflowError/invalidExecutorIDs(reason:)`` when `executorIDs` is empty or
    /// breaks the id rule, ``WorkflowError/executorLive(executorID:holder:secondsLeft:)`` when it
    /// names an executor whose lease is live, and ``WorkflowError/noLiveExecutor(executorIDs:)``
    /// when no live executor could take the workflows. Nothing is written then.
    @discardableResult
    public func recover(executorIDs: [String]) async throws -> RecoveryClaim {
        try Self.validateExecutorIDs(executorIDs)
        let now = now
        let registered = try await executors()
        let live = registered.filter { $0.isLive(at: now) }
        if let running = live.first(where: { executorIDs.contains($0.executorID) }) {
            throw WorkflowError.executorLive(
                executorID: running.executorID, holder: running.holder, secondsLeft: Int((running.leaseExpiresAt - now + 999) / 1000))
        }
        if let host { return try await host.claimRecovered(executorIDs: executorIDs) }
        guard let target = live.filter({ !executorIDs.contains($0.executorID) }).max(by: { $0.leaseExpiresAt < $1.leaseExpiresAt }) else {
            throw WorkflowError.noLiveExecutor(executorIDs: executorIDs)
        }
        return try await journal.recover(executorIDs: executorIDs, newExecutorID: target.executorID, now: now)
    }

    /// Checks that `executorIDs` names at least one executor, each by a valid id.
    static func validateExecutorIDs(_ executorIDs: [String]) throws {
        guard !executorIDs.isEmpty else {
            throw WorkflowError.invalidExecutorIDs(reason: "no executor id given; name the executors whose workflows to recover")
        }
        for id in executorIDs {
            if let rule = WorkflowID.executorProblem(id) {
                throw WorkflowError.invalidExecutorIDs(reason: "executor id '\(WorkflowID.shown(id))' is not valid: \(rule)")
            }
        }
    }

    // MARK: Shared parts

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

    /// The error a cancel of `rootID` writes on every row it cancels (the root and its
    /// descendants): `{"type","message"}` saying that `rootID` was cancelled. A resume of the
    /// root compares it exactly, to tell the descendants cancelled with the root from those
    /// cancelled on their own.
    static func cancelOriginJSON(rootID: String) throws -> String {
        try JournalJSON.encode(RecordedError(WorkflowError.cancelled(workflowID: rootID)))
    }

    /// The descendants of `rootID` (children through their parent id, recursively, below
    /// finished ones too) that the cancel of `rootID` left `CANCELLED`, parents before children.
    func descendantsCancelled(with rootID: String) async throws -> [WorkflowRecord] {
        let origin = try Self.cancelOriginJSON(rootID: rootID)
        var found: [WorkflowRecord] = []
        var visited: Set<String> = [rootID]
        var frontier = [rootID]
        while !frontier.isEmpty {
            var next: [String] = []
            for parentID in frontier {
                let children = try await journal.backend.listWorkflows(WorkflowQuery(parentID: parentID, order: .ascending))
                for child in children where visited.insert(child.id).inserted {
                    next.append(child.id)
                    if child.status == .cancelled, child.errorJSON == origin { found.append(child) }
                }
            }
            frontier = next
        }
        return found
    }
}
