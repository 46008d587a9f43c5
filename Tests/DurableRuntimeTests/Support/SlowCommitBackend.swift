import DurableRuntime

/// A backend whose commits each take `delay` longer (an awaited sleep, so the journal actor and
/// the thread are free meanwhile), as a commit that waits on a disk or a network does: writes
/// submitted during it must queue for the next group commit, whatever the machine's load.
/// Everything else is the wrapped backend's.
struct SlowCommitBackend: JournalBackend {
    let inner: any JournalBackend
    let delay: Duration

    var kind: String { inner.kind }
    func run() async throws { try await inner.run() }
    func migrate() async throws { try await inner.migrate() }
    func commit(_ writes: [JournalWrite]) async throws -> JournalCommitResult {
        try await Task.sleep(for: delay)
        return try await inner.commit(writes)
    }
    func workflow(id: String) async throws -> WorkflowRecord? { try await inner.workflow(id: id) }
    func steps(workflowID: String) async throws -> [StepRecord] { try await inner.steps(workflowID: workflowID) }
    func steps(workflowID: String, ifOwnedBy owner: WorkflowOwner) async throws -> [StepRecord]? {
        try await inner.steps(workflowID: workflowID, ifOwnedBy: owner)
    }
    func listWorkflows(_ query: WorkflowQuery) async throws -> [WorkflowRecord] { try await inner.listWorkflows(query) }
    func dequeue(_ request: DequeueRequest) async throws -> [WorkflowRecord] { try await inner.dequeue(request) }
    func recover(executorIDs: [String], newExecutorID: String, now: Int64) async throws -> RecoveryClaim {
        try await inner.recover(executorIDs: executorIDs, newExecutorID: newExecutorID, now: now)
    }
    func dump() async throws -> [String] { try await inner.dump() }
    func bind(_ binding: JournalBinding, replacing: Bool, now: Int64) async throws -> JournalBinding {
        try await inner.bind(binding, replacing: replacing, now: now)
    }

    func acquireLease(_ info: ExecutorInfo, now: Int64, replacing: String?) async throws -> LeaseAcquisition {
        try await inner.acquireLease(info, now: now, replacing: replacing)
    }
    func renewLease(executorID: String, incarnation: String, until: Int64) async throws -> Bool {
        try await inner.renewLease(executorID: executorID, incarnation: incarnation, until: until)
    }
    func releaseLease(executorID: String, incarnation: String, at: Int64) async throws {
        try await inner.releaseLease(executorID: executorID, incarnation: incarnation, at: at)
    }
    func executors() async throws -> [ExecutorInfo] { try await inner.executors() }
    func oldestStalledWorkflow(before: Int64) async throws -> StalledWorkflow? { try await inner.oldestStalledWorkflow(before: before) }
    func queueDepth(queueName: String) async throws -> [WorkflowStatus: Int] { try await inner.queueDepth(queueName: queueName) }
    func waitForQueueActivity(timeout: Duration) async throws { try await inner.waitForQueueActivity(timeout: timeout) }
}
