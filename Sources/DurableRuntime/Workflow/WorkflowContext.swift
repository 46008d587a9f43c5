import Foundation
import Logging
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
    /// Writes of this chain not committed yet; the next commit of this workflow carries them
    /// (see ``WriteCarry``).
    let carry: WriteCarry

    private struct State {
        var nextStepNumber = 1
        var operationInFlight = false
    }

    private let state = Mutex(State())
    /// Failed attempts per step name since a step of that name last succeeded: steps of one
    /// name run side by side (ten pages fetched at once) fail together when what they call is
    /// down, and their retries are told once at notice, the rest at debug.
    private let failingSteps = FailureTally()

    init(
        workflowID: String, workflowName: String, runtime: WorkflowRuntime, recorded: [StepRecord], owner: WorkflowOwner,
        carry: WriteCarry = WriteCarry()
    ) {
        self.owner = owner
        self.carry = carry
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
    ///
    /// The steps' outcomes are recorded together, in one commit, once every step has finished
    /// (a chain of workflows then pays one commit for the group, not one per step). A step that
    /// fails after its retries does not cancel the others: all are recorded, then the first
    /// failure in index order is thrown. A crash before that commit loses the group's outcomes,
    /// so its steps run again on recovery, as any step that had not recorded its outcome.
    public func concurrentSteps<T: Codable & Sendable>(
        _ name: String, count: Int, retry: RetryPolicy = .none,
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> [T] {
        try await concurrentStepResults(name, count: count, retry: retry, body).map { try $0.get() }
    }

    /// Runs `count` steps named `name` concurrently, as ``concurrentSteps(_:count:retry:_:)``
    /// does (one commit for the group's outcomes), but a step that fails (after its retries)
    /// does not fail the call: its recorded error is returned in its place, so the caller
    /// decides which failures matter (a page prefetched past the end of a snapshot, say).
    /// Cancellation, a journal failure or a concurrent execution still throw.
    public func concurrentStepResults<T: Codable & Sendable>(
        _ name: String, count: Int, retry: RetryPolicy = .none,
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> [Result<T, any Error>] {
        guard count > 0 else { return [] }
        let first = try beginOperations(name, count: count)
        defer { endOperations() }
        let runs = try await withThrowingTaskGroup(of: (Int, StepRun<T>).self) { group in
            for index in 0..<count {
                group.addTask {
                    (index, try await self.performStep(number: first + index, name: name, retry: retry) { try await body(index) })
                }
            }
            var runs = [StepRun<T>?](repeating: nil, count: count)
            for try await (index, run) in group { runs[index] = run }
            return runs.map { $0! }
        }
        let fresh = runs.compactMap(\.record)
        if !fresh.isEmpty { try await record(fresh) }
        return runs.map(\.result)
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

    /// Ends the operation begun at `number` without using its number (the next operation gets it).
    func rewindOperation(to number: Int) {
        state.withLock {
            $0.nextStepNumber = number
            $0.operationInFlight = false
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
        let run = try await performStep(number: number, name: name, retry: retry, body)
        if let record = run.record { try await self.record([record]) }
        return try run.result.get()
    }

    /// A step's outcome: replayed from the journal, or new and still to be recorded.
    enum StepRun<T: Sendable>: Sendable {
        case replayed(Result<T, any Error>)
        case fresh(Result<T, any Error>, StepRecord)

        var result: Result<T, any Error> {
            switch self {
            case .replayed(let result), .fresh(let result, _): result
            }
        }

        var record: StepRecord? {
            if case .fresh(_, let record) = self { return record }
            return nil
        }
    }

    /// Runs a step's body with its retries (or finds its recorded outcome) without recording
    /// anything; errors that stop the workflow are thrown.
    private func performStep<T: Codable & Sendable>(
        number: Int, name: String, retry: RetryPolicy, _ body: () async throws -> T
    ) async throws -> StepRun<T> {
        if let record = try recordedOperation(number: number, name: name) {
            if let errorJSON = record.errorJSON {
                let error = try JournalJSON.decode(RecordedError.self, from: errorJSON, workflowID: workflowID, what: "error of step \(number)")
                return .replayed(.failure(error))
            }
            return .replayed(.success(
                try JournalJSON.decode(T.self, from: record.outputJSON, workflowID: workflowID, what: "output of step \(number) '\(name)'")))
        }
        let startedAt = journalTimestamp(runtime.clock.now())
        var attempt = 1
        while true {
            do {
                let value = try await attemptStep(number: number, name: name, attempt: attempt, body)
                if attempt > 1, case let failed = failingSteps.succeeded(name), failed > 0 {
                    runtime.logger.notice("step succeeded after retries", metadata: [
                        "workflow_id": "\(workflowID)", "step": "\(name)", "failed_attempts": "\(failed)",
                    ])
                }
                return .fresh(.success(value), stepRecord(
                    number: number, name: name, startedAt: startedAt, outputJSON: try JournalJSON.encode(value), errorJSON: nil, attempts: attempt))
            } catch {
                if Self.stopsTheWorkflow(error) { throw error }
                if attempt < retry.maxAttempts && retry.isRetryable(error) {
                    let delay = retry.delay(afterAttempt: attempt)
                    let first = failingSteps.failed(name)
                    var metadata: Logger.Metadata = [
                        "workflow_id": "\(workflowID)", "step": "\(name)", "attempt": "\(attempt)", "of": "\(retry.maxAttempts)",
                        "wait_s": "\(delay.seconds)", "error": "\(error)",
                    ]
                    if first { metadata["later_failures"] = "retries of \(name) in this workflow logged at debug level until one succeeds" }
                    runtime.logger.log(level: first ? .notice : .debug, "step failed; retrying after a wait", metadata: metadata)
                    try await runtime.clock.sleep(for: delay)
                    attempt += 1
                    continue
                }
                let errorJSON = try JournalJSON.encode(RecordedError(error))
                return .fresh(.failure(error), stepRecord(
                    number: number, name: name, startedAt: startedAt, outputJSON: nil, errorJSON: errorJSON, attempts: attempt))
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

    /// The record of an operation's outcome, completed now.
    func stepRecord(
        number: Int, name: String, startedAt: Int64, outputJSON: String?, errorJSON: String?, childWorkflowID: String? = nil,
        attempts: Int = 1
    ) -> StepRecord {
        StepRecord(
            workflowID: workflowID, stepNumber: number, name: name, outputJSON: outputJSON, errorJSON: errorJSON,
            childWorkflowID: childWorkflowID, startedAt: startedAt, completedAt: journalTimestamp(runtime.clock.now()),
            attempts: attempts)
    }

    /// Commits one operation's outcome; an identical outcome already there counts as committed.
    @discardableResult
    func recordOutcome(
        number: Int, name: String, startedAt: Int64, outputJSON: String?, errorJSON: String?, childWorkflowID: String? = nil,
        attempts: Int = 1, alongside extra: [JournalWrite] = []
    ) async throws -> [JournalWriteResult] {
        let record = stepRecord(
            number: number, name: name, startedAt: startedAt, outputJSON: outputJSON, errorJSON: errorJSON,
            childWorkflowID: childWorkflowID, attempts: attempts)
        return try await self.record([record], alongside: extra)
    }

    /// Commits `records` (this workflow's outcomes) after what this chain carries and the
    /// `extra` writes, in one commit, and returns the results of `extra`. A record refused
    /// because another execution owns the workflow now throws ``WorkflowError/takenOver(workflowID:)``;
    /// one whose position holds another outcome throws ``WorkflowError/concurrentExecution(workflowID:stepNumber:)``.
    @discardableResult
    func record(_ records: [StepRecord], alongside extra: [JournalWrite] = []) async throws -> [JournalWriteResult] {
        let carried = carry.take()
        let commit = try await WriteCarry.submit(
            carried, then: extra + records.map { JournalWrite.recordStep($0, owner: owner) }, to: runtime.journal)
        // A cancel of a parent that committed before this commit did not see the child started
        // in it: cancel the child too, so that it never runs on its own (see childOperation).
        for (item, result) in zip(carried, commit.results) where result == .workflowInserted {
            guard let parentID = item.startedUnder, case .insertWorkflow(let child, _) = item.write,
                  commit.cancelledWorkflowIDs.contains(parentID) else { continue }
            runtime.board.markCancelled(parentID)
            try await runtime.cancelLikeParent(childID: child.id, parentID: parentID)
        }
        let own = Array(commit.results.dropFirst(carried.count + extra.count))
        for (record, result) in zip(records, own) {
            if result == .fenced { throw WorkflowError.takenOver(workflowID: workflowID) }
            if case .stepExists(let existing) = result, !existing.hasSameOutcome(as: record) {
                throw WorkflowError.concurrentExecution(workflowID: workflowID, stepNumber: record.stepNumber)
            }
        }
        for (record, result) in zip(records, own) where result == .stepRecorded {
            runtime.interceptors.observe(.checkpointed(record, workflowName: workflowName))
        }
        if commit.cancelledWorkflowIDs.contains(workflowID) { runtime.board.markCancelled(workflowID) }
        if runtime.board.isCancelled(workflowID), carried.contains(where: { $0.startedUnder != nil }) {
            throw WorkflowError.cancelled(workflowID: workflowID)
        }
        return Array(commit.results.dropFirst(carried.count).prefix(extra.count))
    }
}
