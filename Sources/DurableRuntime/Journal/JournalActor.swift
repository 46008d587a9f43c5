/// The only writer of the journal: it serialises writes and group-commits them.
///
/// Callers ``submit(_:)`` a few writes and suspend. The first caller to find the journal idle
/// becomes the leader and commits; writes that arrive while a commit is in flight queue up and
/// go together in the next transaction. Each caller resumes only once its own writes are
/// committed, so many concurrent workflows share one commit.
public actor JournalActor {
    /// The storage backend.
    public nonisolated let backend: any JournalBackend
    private let interceptors: InterceptorChain
    private var pending: [PendingSubmission] = []
    private var flushing = false
    private var nextSubmissionID = 0
    private var committedCheckpoints = 0
    /// Settled by the first ``open()``: success, or why migrating failed.
    private let readiness = Latch()
    /// Raised once when the crash injector crashed this journal.
    nonisolated let crashSignal = WakeSignal()
    /// Whether the crash injector crashed this journal; it then accepts no more writes.
    public private(set) var isCrashed = false
    /// Number of group commits so far (for benchmarks and tests).
    public private(set) var commitCount = 0

    private enum Turn: Sendable {
        case committed(JournalCommitResult)
        case lead
    }

    private struct PendingSubmission {
        var id: Int
        var writes: [JournalWrite]
        var continuation: CheckedContinuation<Turn, any Error>?
    }

    /// Creates a journal actor over `backend`, optionally with interceptors: they decide each
    /// group commit (fault injection) and see it committed.
    public init(backend: any JournalBackend, interceptors: [any WorkflowInterceptor] = []) {
        self.init(backend: backend, interceptors: InterceptorChain(interceptors: interceptors))
    }

    init(backend: any JournalBackend, interceptors: InterceptorChain) {
        self.backend = backend
        self.interceptors = interceptors
    }

    /// Migrates the backend; writes and reads wait until this has succeeded.
    public func open() async throws {
        if case .success = readiness.outcome { return }
        do {
            try await backend.migrate()
            readiness.settle(.success(()))
        } catch {
            readiness.settle(.failure(error))
            throw error
        }
    }

    /// Waits until ``open()`` has succeeded (or rethrows why it failed, or `CancellationError`
    /// if the waiting task is cancelled first).
    public func waitUntilOpen() async throws {
        try await readiness.wait()
    }

    /// Commits `writes` atomically, grouped with whatever else is waiting, and returns their
    /// results once the transaction is durable.
    public func submit(_ writes: [JournalWrite]) async throws -> JournalCommitResult {
        try await waitUntilOpen()
        guard !isCrashed else { throw JournalError.crashed }
        nextSubmissionID += 1
        let myID = nextSubmissionID
        if flushing {
            let turn = try await withCheckedThrowingContinuation { continuation in
                pending.append(PendingSubmission(id: myID, writes: writes, continuation: continuation))
            }
            if case .committed(let result) = turn { return result }
            // Leadership was handed to us; our writes are still in `pending`.
        } else {
            flushing = true
            pending.append(PendingSubmission(id: myID, writes: writes, continuation: nil))
        }
        return try await lead(myID: myID)
    }

    /// Convenience for a single write.
    public func submit(_ write: JournalWrite) async throws -> JournalWriteResult {
        try await submit([write]).results[0]
    }

    /// Commits everything pending as one transaction, answers the other submitters, and hands
    /// leadership to the next waiter if more writes arrived meanwhile.
    private func lead(myID: Int) async throws -> JournalCommitResult {
        let batch = pending
        pending = []
        let outcome: Result<[JournalCommitResult], any Error>
        do {
            outcome = .success(try await commit(batch))
        } catch {
            outcome = .failure(error)
        }
        var mine: Result<JournalCommitResult, any Error> = .failure(JournalError.crashed)
        for (index, submission) in batch.enumerated() {
            let result = outcome.map { $0[index] }
            if submission.id == myID {
                mine = result
            } else {
                submission.continuation?.resume(with: result.map { Turn.committed($0) })
            }
        }
        handOverLeadership()
        return try mine.get()
    }

    private func handOverLeadership() {
        if isCrashed {
            failAllPending()
            flushing = false
            return
        }
        guard let index = pending.firstIndex(where: { $0.continuation != nil }) else {
            flushing = false
            return
        }
        let next = pending[index].continuation
        pending[index].continuation = nil
        next?.resume(returning: .lead)
    }

    private func failAllPending() {
        let waiting = pending
        pending = []
        for submission in waiting { submission.continuation?.resume(throwing: JournalError.crashed) }
    }

    private func commit(_ batch: [PendingSubmission]) async throws -> [JournalCommitResult] {
        guard !isCrashed else { throw JournalError.crashed }
        let writes = batch.flatMap(\.writes)
        let first = committedCheckpoints + 1
        let range = first...(first + writes.count - 1)
        let decision = interceptors.decideCommit(checkpoints: range)
        if decision == .crashBeforeCommit {
            crash()
            throw JournalError.crashed
        }
        let started = interceptors.isEmpty ? nil : ContinuousClock.now
        let result = try await backend.commit(writes)
        if let started {
            interceptors.observe(.committed(writes: writes.count, submissions: batch.count, latency: ContinuousClock.now - started))
        }
        committedCheckpoints = range.upperBound
        commitCount += 1
        if decision == .crashAfterCommit {
            crash()
            throw JournalError.crashed
        }
        var results: [JournalCommitResult] = []
        results.reserveCapacity(batch.count)
        var offset = 0
        for submission in batch {
            let slice = Array(result.results[offset..<(offset + submission.writes.count)])
            offset += submission.writes.count
            results.append(JournalCommitResult(results: slice, cancelledWorkflowIDs: result.cancelledWorkflowIDs))
        }
        return results
    }

    private func crash() {
        isCrashed = true
        crashSignal.raise()
    }

    /// Crashes the journal now, as the crash injector does at a checkpoint: it accepts no more
    /// writes and the runtime's `run()` stops with ``JournalError/crashed``. For fault
    /// simulation (a simulated out-of-memory kill, say); a new runtime on the same journal recovers.
    public func simulateCrash() {
        crash()
    }

    /// Number of checkpoints committed so far.
    public var checkpointCount: Int { committedCheckpoints }

    // MARK: - Writes that are their own transaction

    /// Dequeues workflows (see ``JournalBackend/dequeue(_:)``); refused after a crash.
    public func dequeue(_ request: DequeueRequest) async throws -> [WorkflowRecord] {
        try await waitUntilOpen()
        guard !isCrashed else { throw JournalError.crashed }
        return try await backend.dequeue(request)
    }

    /// Claims pending workflows for recovery (see ``JournalBackend/recover(executorIDs:newExecutorID:now:)``).
    public func recover(executorIDs: [String], newExecutorID: String, now: Int64) async throws -> RecoveryClaim {
        try await waitUntilOpen()
        guard !isCrashed else { throw JournalError.crashed }
        return try await backend.recover(executorIDs: executorIDs, newExecutorID: newExecutorID, now: now)
    }
}
