import Foundation
import Logging
import ServiceLifecycle

/// Runs durable workflows against a journal: starts, recovers, dequeues and manages them.
///
/// A runtime is a `Service`: its ``run()`` must be running (in a `ServiceGroup`, or in a task
/// group you own, or through ``withRunning(_:)``) for workflows to execute. At start it
/// migrates the journal, recovers the `PENDING` workflows of its executor id and starts one
/// worker per declared queue. Cancelling `run()` (or a graceful shutdown) stops it; workflows
/// in flight stay `PENDING` and are recovered by the next start.
public final class WorkflowRuntime: Service, Sendable {
    /// The configuration the runtime was created with.
    public let configuration: RuntimeConfiguration
    /// The journal actor, the only writer of checkpoints.
    public let journal: JournalActor
    let registry = WorkflowRegistry()
    let board = ExecutionBoard()
    let clock: any RuntimeClock
    /// One wake-up signal per declared queue: raised by in-process enqueues and completions.
    let queueWakes: [String: WakeSignal]
    private let submissions: AsyncStream<WorkflowRecord>
    private let submitter: AsyncStream<WorkflowRecord>.Continuation
    var logger: Logger { configuration.logger }
    var executorID: String { configuration.executorID }

    /// Creates a runtime over a journal backend.
    ///
    /// - Parameters:
    ///   - backend: where checkpoints are stored (`SQLiteJournal`, `PostgresJournal`, …).
    ///   - configuration: executor id, role, queues, logging.
    ///   - clock: the time source for retries and durable sleeps.
    ///   - interceptor: a fault-injection hook for tests; nil in production.
    public init(
        backend: any JournalBackend, configuration: RuntimeConfiguration = RuntimeConfiguration(),
        clock: any RuntimeClock = SystemClock(), interceptor: (any CheckpointInterceptor)? = nil
    ) {
        self.configuration = configuration
        self.journal = JournalActor(backend: backend, interceptor: interceptor)
        self.clock = clock
        self.queueWakes = Dictionary(configuration.queues.map { ($0.name, WakeSignal()) }, uniquingKeysWith: { first, _ in first })
        (submissions, submitter) = AsyncStream.makeStream(of: WorkflowRecord.self)
    }

    /// Registers a workflow so this runtime can execute it (by its ``Workflow/name``).
    public func register<W: Workflow>(_ workflow: W) {
        registry.register(workflow)
    }

    /// The names of the registered workflows.
    public var registeredWorkflowNames: [String] { registry.names.sorted() }

    /// Runs the runtime until the task is cancelled, a graceful shutdown is requested, or the
    /// crash injector crashes it (then it throws ``JournalError/crashed``).
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.runUntilCancelled()
        }
    }

    private func runUntilCancelled() async throws {
        let backend = journal.backend
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await backend.run() }
            group.addTask {
                // A crash injected at a checkpoint takes the whole runtime down, as a kill would.
                while !Task.isCancelled {
                    await self.journal.crashSignal.wait(timeout: .seconds(3600))
                    if await self.journal.isCrashed { throw JournalError.crashed }
                }
            }
            try await journal.open()
            if configuration.role == .worker {
                try await recoverPendingWorkflows()
                for queue in configuration.queues {
                    group.addTask { try await self.workQueue(queue) }
                }
            }
            for await record in submissions {
                group.addTask { await self.execute(record) }
            }
            group.cancelAll()
        }
    }

    /// Runs the runtime for the duration of `body`, then stops it.
    public func withRunning<T: Sendable>(_ body: @Sendable (WorkflowRuntime) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await self.run()
                return nil
            }
            try await journal.waitUntilOpen()
            let result = try await body(self)
            group.cancelAll()
            while let next = try await group.next() {
                if next != nil { break }
            }
            return result
        }
    }

    /// Hands a workflow to the execution task group of ``run()``.
    func submitForExecution(_ record: WorkflowRecord) {
        guard configuration.role == .worker else { return }
        submitter.yield(record)
    }
}
