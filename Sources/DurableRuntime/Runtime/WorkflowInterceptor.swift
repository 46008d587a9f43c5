/// The runtime's one observation seam: metrics, tracing, progress displays and fault injection
/// are all interceptors, installed through ``RuntimeConfiguration/interceptors``.
///
/// The runtime calls an interceptor:
/// - around each execution of a workflow (``interceptWorkflow(_:_:)``): a start, a recovery, a
///   dequeue, or a child run inline by its parent;
/// - around each attempt of a step (``interceptStep(_:_:)``), retries included;
/// - with an event (``observe(_:)``) for each recorded checkpoint, child start, enqueue,
///   dequeue and journal group commit;
/// - before each group commit, to decide whether it goes ahead (``decideCommit(checkpoints:)``,
///   how ``DurableTesting/CrashInjector`` simulates a killed process).
///
/// Every requirement has a default that does nothing, so an interceptor implements only what
/// it needs. Interceptors run in the order configured, the first outermost. They run on the
/// workflow's task: `interceptWorkflow` and `interceptStep` may bind task-local values (a span,
/// log metadata) for the body. They must not throw except by rethrowing the body's error, and
/// `observe` must return quickly (it runs on the hot path; the journal's commit event on the
/// journal actor). The runtime depends on no exporter: the implementations live elsewhere
/// (`DurableObservability`, the pipeline's progress display, `DurableTesting`).
public protocol WorkflowInterceptor: Sendable {
    /// Runs one execution of a workflow. `body` returns the finished row when this execution
    /// ended it (its ``WorkflowRecord/status`` is the outcome), nil when the row was no longer
    /// `PENDING` at the end (cancelled meanwhile); it throws when the execution stopped without
    /// an outcome (shutdown, crash, takeover, a journal failure), leaving it `PENDING`.
    func interceptWorkflow(_ execution: WorkflowExecution, _ body: () async throws -> WorkflowRecord?) async throws -> WorkflowRecord?

    /// Runs one attempt of a step's body (replayed steps are not attempted, so not seen here).
    func interceptStep<T: Sendable>(_ attempt: StepAttempt, _ body: () async throws -> T) async throws -> T

    /// Sees one thing that happened (see ``RuntimeEvent``).
    func observe(_ event: RuntimeEvent)

    /// The trace context to store with a workflow about to be inserted (its ``WorkflowRecord/traceContext``),
    /// or nil: a tracing interceptor returns the current context (or a new one), so that the
    /// workflow's executions, in this process or another, continue that trace.
    func traceContext(creating record: WorkflowRecord) -> String?

    /// Decides what happens to the group commit that holds checkpoints `checkpoints` (numbered
    /// from 1 in commit order, one per ``JournalWrite``). Production interceptors proceed.
    func decideCommit(checkpoints: ClosedRange<Int>) -> CheckpointDecision
}

extension WorkflowInterceptor {
    public func interceptWorkflow(_ execution: WorkflowExecution, _ body: () async throws -> WorkflowRecord?) async throws -> WorkflowRecord? {
        try await body()
    }

    public func interceptStep<T: Sendable>(_ attempt: StepAttempt, _ body: () async throws -> T) async throws -> T {
        try await body()
    }

    public func observe(_ event: RuntimeEvent) {}

    public func traceContext(creating record: WorkflowRecord) -> String? { nil }

    public func decideCommit(checkpoints: ClosedRange<Int>) -> CheckpointDecision { .proceed }
}

/// One execution of a workflow, as ``WorkflowInterceptor/interceptWorkflow(_:_:)`` sees it.
public struct WorkflowExecution: Sendable {
    /// How the execution came about.
    public enum Origin: String, Sendable, CaseIterable {
        /// Started in this process (by `start`/`run`, a resume, or a parent starting a child).
        case started
        /// Claimed by recovery or takeover: an earlier execution stopped without an outcome.
        case recovered
        /// Taken off a queue by this process's worker.
        case dequeued
    }

    /// The workflow's row as the execution began.
    public var record: WorkflowRecord
    /// The executor running it.
    public var executorID: String
    /// How it came about.
    public var origin: Origin

    /// The workflow id.
    public var workflowID: String { record.id }
    /// The registered workflow name.
    public var workflowName: String { record.name }

    /// Creates the description of an execution.
    public init(record: WorkflowRecord, executorID: String, origin: Origin) {
        self.record = record
        self.executorID = executorID
        self.origin = origin
    }
}

/// One attempt of a step, as ``WorkflowInterceptor/interceptStep(_:_:)`` sees it.
public struct StepAttempt: Sendable {
    /// The workflow the step belongs to.
    public var workflowID: String
    /// Its registered name.
    public var workflowName: String
    /// The step's name, such as `fetch_users_from_api`.
    public var stepName: String
    /// The step's position in the workflow, from 1.
    public var stepNumber: Int
    /// The attempt, from 1 (2 and more are retries).
    public var attempt: Int
    /// The executor running it.
    public var executorID: String

    /// Creates the description of an attempt.
    public init(workflowID: String, workflowName: String, stepName: String, stepNumber: Int, attempt: Int, executorID: String) {
        self.workflowID = workflowID
        self.workflowName = workflowName
        self.stepName = stepName
        self.stepNumber = stepNumber
        self.attempt = attempt
        self.executorID = executorID
    }
}

/// Something the runtime did, for ``WorkflowInterceptor/observe(_:)``.
public enum RuntimeEvent: Sendable {
    /// A step's or a child call's outcome was committed (replays record nothing, so are not seen).
    case checkpointed(StepRecord, workflowName: String)
    /// A workflow started a child (inline, concurrently or on a queue); the child's row as inserted.
    case childStarted(parentID: String, child: WorkflowRecord)
    /// A workflow was put on a queue by this process (a client's enqueue or a parent's).
    case enqueued(WorkflowRecord)
    /// This process's queue worker claimed a workflow; `waited` runs from its creation.
    case dequeued(WorkflowRecord, waited: Duration)
    /// The journal committed a group: `writes` checkpoints from `submissions` callers, in `latency`.
    case committed(writes: Int, submissions: Int, latency: Duration)
}

/// The interceptors of a runtime, called in order (the first outermost).
struct InterceptorChain: Sendable {
    let interceptors: [any WorkflowInterceptor]

    var isEmpty: Bool { interceptors.isEmpty }

    func workflow(_ execution: WorkflowExecution, _ body: () async throws -> WorkflowRecord?) async throws -> WorkflowRecord? {
        try await workflow(from: 0, execution, body)
    }

    private func workflow(from index: Int, _ execution: WorkflowExecution, _ body: () async throws -> WorkflowRecord?) async throws -> WorkflowRecord? {
        guard index < interceptors.count else { return try await body() }
        return try await interceptors[index].interceptWorkflow(execution) { try await workflow(from: index + 1, execution, body) }
    }

    func step<T: Sendable>(_ attempt: StepAttempt, _ body: () async throws -> T) async throws -> T {
        try await step(from: 0, attempt, body)
    }

    private func step<T: Sendable>(from index: Int, _ attempt: StepAttempt, _ body: () async throws -> T) async throws -> T {
        guard index < interceptors.count else { return try await body() }
        return try await interceptors[index].interceptStep(attempt) { try await step(from: index + 1, attempt, body) }
    }

    func observe(_ event: @autoclosure () -> RuntimeEvent) {
        guard !interceptors.isEmpty else { return }
        let event = event()
        for interceptor in interceptors { interceptor.observe(event) }
    }

    /// `record` with the first trace context an interceptor gives it.
    func withTraceContext(_ record: WorkflowRecord) -> WorkflowRecord {
        guard !interceptors.isEmpty else { return record }
        var record = record
        // Each interceptor asked at most once (a lazy compactMap's `first` would ask twice).
        for interceptor in interceptors {
            if let context = interceptor.traceContext(creating: record) {
                record.traceContext = context
                break
            }
        }
        return record
    }

    /// The first decision other than ``CheckpointDecision/proceed``, or proceed.
    func decideCommit(checkpoints: ClosedRange<Int>) -> CheckpointDecision {
        for interceptor in interceptors {
            let decision = interceptor.decideCommit(checkpoints: checkpoints)
            if decision != .proceed { return decision }
        }
        return .proceed
    }
}
