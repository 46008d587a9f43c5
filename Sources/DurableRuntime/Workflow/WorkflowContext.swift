import Foundation
import Synchronization

/// What a running workflow uses to do durable work: steps, child workflows, sleeps, memoised
/// time and ids, and enqueueing.
///
/// Every operation gets the next number in program order. On replay, an operation whose number
/// has a recorded outcome returns (or rethrows) it without running; a recorded operation with
/// another name is a ``WorkflowError/nonDeterministic(workflowID:stepNumber:recorded:current:)``
/// error. Operations of one workflow must not overlap, except through ``concurrentSteps(_:count:retry:_:)``
/// and child workflows, so numbering never depends on scheduling.
public final class WorkflowContext: Sendable {
    /// The id of the running workflow.
    public let workflowID: String
    /// The running workflow's registered name.
    public let workflowName: String
    let runtime: WorkflowRuntime
    /// Who this execution writes as; a write whose workflow was claimed since is fenced.
    let owner: WorkflowOwner
    private let recorded: [Int: StepRecord]

    private struct State {
        var nextStepNumber = 1
        var operationInFlight = false
    }

    private let state = Mutex(State())

    init(workflowID: String, workflowName: String, runtime: WorkflowRuntime, recorded: [StepRecord], owner: WorkflowOwner) {
        self.owner = owner
        self.workflowID = workflowID
        self.workflowName = workflowName
        self.runtime = runtime
        self.recorded = Dictionary(recorded.map { ($0.stepNumber, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Runs `body` as a checkpointed step named `name`, retrying it under `retry`.
    ///
    /// On replay the recorded output is returned (or the recorded error rethrown) without
    /// running `body`. Only the final outcome is recorded; a step that exhausts its retries
    /// records and rethrows its last error.
    public func step<T: Codable & Sendable>(
        _ name: String, retry: RetryPolicy = .none, _ body: () async throws -> T
    ) async throws -> T {
        let number = try beginOperations(name, count: 1)
        defer { endOperations() }
        return try await runStep(number: number, name: name, retry: retry, body)
    }

    /// Simulates the death of the process running this workflow (a fault-injection aid, e.g. a
    /// simulated out-of-memory kill): the runtime's journal accepts no more writes, its `run()`
    /// stops with ``JournalError/crashed``, and the workflow stays `PENDING` for the next start
    /// to recover. Never returns.
    public func simulateProcessCrash() async throws -> Never {
        await runtime.journal.simulateCrash()
        throw JournalError.crashed
    }

    /// Runs `body` as a checkpointed step that returns nothing.
    public func step(_ name: String, retry: RetryPolicy = .none, _ body: () async throws -> Void) async throws {
        _ = try await step(name, retry: retry) { () async throws -> Nothing in
            try await body()
            return Nothing()
        }
    }

    /// Runs `count` steps named `name` concurrently; their numbers are assigned before any of
    /// them starts, so the journal is the same whatever the scheduling. Returns the outputs in
    /// index order.
    public func concurrentSteps<T: Codable & Sendable>(
        _ name: String, count: Int, retry: RetryPolicy = .none,
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> [T] {
        guard count > 0 else { return [] }
        let first = try beginOperations(name, count: count)
        defer { endOperations() }
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            for index in 0..<count {
                group.addTask {
                    (index, try await self.runStep(number: first + index, name: name, retry: retry) { try await body(index) })
                }
            }
            var results = [T?](repeating: nil, count: count)
            for try await (index, value) in group { results[index] = value }
            return results.map { $0! }
        }
    }

    /// Runs `count` steps named `name` concurrently, as ``concurrentSteps(_:count:retry:_:)``
    /// does, but a step that fails (after its retries) does not fail the others: its recorded
    /// error is returned in its place, so the caller decides which failures matter (a page
    /// prefetched past the end of a snapshot, say). Cancellation, a journal failure or a
    /// concurrent execution still throw.
    public func concurrentStepResults<T: Codable & Sendable>(
        _ name: String, count: Int, retry: RetryPolicy = .none,
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> [Result<T, any Error>] {
        guard count > 0 else { return [] }
        let first = try beginOperations(name, count: count)
        defer { endOperations() }
        return try await withThrowingTaskGroup(of: (Int, Result<T, any Error>).self) { group in
            for index in 0..<count {
                group.addTask {
                    do {
                        return (index, .success(try await self.runStep(number: first + index, name: name, retry: retry) { try await body(index) }))
                    } catch {
                        if Self.stopsTheWorkflow(error) { throw error }
                        return (index, .failure(error))
                    }
                }
            }
            var results = [Result<T, any Error>?](repeating: nil, count: count)
            for try await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }

    /// Returns the current time, recorded on first execution so a replay sees the same value.
    public func now() async throws -> Date {
        try await step("now") { runtime.clock.now() }
    }

    /// Returns a random UUID, recorded on first execution so a replay sees the same value.
    public func uuid() async throws -> UUID {
        try await step("uuid") { UUID() }
    }

    /// Sleeps durably: the wake-up time is recorded, so after a crash the workflow sleeps only
    /// what remains.
    public func sleep(for duration: Duration) async throws {
        let clock = runtime.clock
        let wakeAt = try await step("sleep") { () -> Int64 in
            journalTimestamp(clock.now()) + Int64((duration.seconds * 1000).rounded())
        }
        let remaining = wakeAt - journalTimestamp(clock.now())
        if remaining > 0 { try await clock.sleep(for: .milliseconds(remaining)) }
    }

    // MARK: - Numbering

    /// Reserves `count` consecutive operation numbers; refuses overlapping operations and
    /// stops a cancelled workflow.
    func beginOperations(_ name: String, count: Int) throws -> Int {
        if runtime.board.isCancelled(workflowID) { throw WorkflowError.cancelled(workflowID: workflowID) }
        return try state.withLock { state in
            guard !state.operationInFlight else {
                throw WorkflowError.concurrentOperations(workflowID: workflowID, stepName: name)
            }
            state.operationInFlight = true
            let first = state.nextStepNumber
            state.nextStepNumber += count
            return first
        }
    }

    func endOperations() {
        state.withLock { $0.operationInFlight = false }
    }

    /// The recorded operation at `number`, checked against the name the code runs there now.
    func recordedOperation(number: Int, name: String) throws -> StepRecord? {
        guard let record = recorded[number] else { return nil }
        guard record.name == name else {
            throw WorkflowError.nonDeterministic(workflowID: workflowID, stepNumber: number, recorded: record.name, current: name)
        }
        return record
    }

    // MARK: - Steps

    private func runStep<T: Codable & Sendable>(
        number: Int, name: String, retry: RetryPolicy, _ body: () async throws -> T
    ) async throws -> T {
        if let record = try recordedOperation(number: number, name: name) {
            if let errorJSON = record.errorJSON {
                throw try JournalJSON.decode(RecordedError.self, from: errorJSON, workflowID: workflowID, what: "error of step \(number)")
            }
            return try JournalJSON.decode(T.self, from: record.outputJSON, workflowID: workflowID, what: "output of step \(number) '\(name)'")
        }
        let startedAt = journalTimestamp(runtime.clock.now())
        var attempt = 1
        while true {
            do {
                let value = try await attemptStep(number: number, name: name, attempt: attempt, body)
                try await recordOutcome(number: number, name: name, startedAt: startedAt, outputJSON: try JournalJSON.encode(value), errorJSON: nil,
                                        attempts: attempt)
                return value
            } catch {
                if Self.stopsTheWorkflow(error) { throw error }
                if attempt < retry.maxAttempts && retry.isRetryable(error) {
                    let delay = retry.delay(afterAttempt: attempt)
                    runtime.logger.notice("step failed; retrying after a wait", metadata: [
                        "workflow_id": "\(workflowID)", "step": "\(name)", "attempt": "\(attempt)", "of": "\(retry.maxAttempts)",
                        "wait_s": "\(delay.seconds)", "error": "\(error)",
                    ])
                    try await runtime.clock.sleep(for: delay)
                    attempt += 1
                    continue
                }
                let errorJSON = try JournalJSON.encode(RecordedError(error))
                try await recordOutcome(number: number, name: name, startedAt: startedAt, outputJSON: nil, errorJSON: errorJSON,
                                        attempts: attempt)
                throw error
            }
        }
    }

    /// Runs one attempt of a step's body, through the runtime's interceptors if it has any.
    private func attemptStep<T: Sendable>(number: Int, name: String, attempt: Int, _ body: () async throws -> T) async throws -> T {
        let logContext = WorkflowLogContext(workflowID: workflowID, workflowName: workflowName, executorID: runtime.executorID,
                                            step: name, stepNumber: number)
        return try await WorkflowLogContext.$current.withValue(logContext) {
            try await interceptedAttempt(number: number, name: name, attempt: attempt, body)
        }
    }

    private func interceptedAttempt<T: Sendable>(number: Int, name: String, attempt: Int, _ body: () async throws -> T) async throws -> T {
        let interceptors = runtime.interceptors
        if interceptors.isEmpty { return try await body() }
        let described = StepAttempt(workflowID: workflowID, workflowName: workflowName, stepName: name, stepNumber: number,
                                    attempt: attempt, executorID: runtime.executorID)
        return try await interceptors.step(described, body)
    }

    /// Whether `error` stops the workflow (cancellation, a journal failure, a concurrent
    /// execution) rather than being the step's own outcome, to retry or record.
    private static func stopsTheWorkflow(_ error: any Error) -> Bool {
        if error is CancellationError || Task.isCancelled || error is JournalError { return true }
        // A full disk or a failing file is the environment's failure: never retried here as
        // the step's own, never recorded (the runtime stops; a rerun resumes).
        if StorageFailure.isInfrastructure(error) { return true }
        if case WorkflowError.concurrentExecution = error { return true }
        if case WorkflowError.takenOver = error { return true }
        return false
    }

    /// Commits one operation's outcome; an identical outcome already there counts as committed.
    @discardableResult
    func recordOutcome(
        number: Int, name: String, startedAt: Int64, outputJSON: String?, errorJSON: String?, childWorkflowID: String? = nil,
        attempts: Int = 1, alongside extra: [JournalWrite] = []
    ) async throws -> [JournalWriteResult] {
        let record = StepRecord(
            workflowID: workflowID, stepNumber: number, name: name, outputJSON: outputJSON, errorJSON: errorJSON,
            childWorkflowID: childWorkflowID, startedAt: startedAt, completedAt: journalTimestamp(runtime.clock.now()),
            attempts: attempts)
        let commit = try await runtime.journal.submit(extra + [.recordStep(record, owner: owner)])
        if commit.results.last == .fenced { throw WorkflowError.takenOver(workflowID: workflowID) }
        if case .stepExists(let existing) = commit.results.last, !existing.hasSameOutcome(as: record) {
            throw WorkflowError.concurrentExecution(workflowID: workflowID, stepNumber: number)
        }
        if commit.results.last == .stepRecorded { runtime.interceptors.observe(.checkpointed(record, workflowName: workflowName)) }
        if commit.cancelledWorkflowIDs.contains(workflowID) { runtime.board.markCancelled(workflowID) }
        return commit.results
    }
}
