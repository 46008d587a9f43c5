import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs durable workflows against a journal: starts, recovers, dequeues and manages them.
///
/// A runtime is a `Service`: its ``run()`` must be running for workflows to execute, and so
/// must its ``journalService`` (the journal backend's connection pool), which must outlive it.
/// Run both in a `ServiceGroup` (`[runtime.journalService, runtime]`), or use
/// ``withRunning(_:)``. At start it
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
    /// Set once the journal is open and start-up recovery is done.
    let started = Latch()
    /// Workflows this runtime claimed by recovery, takeover or adoption (not ones it started).
    let recovered = Mutex<Set<String>>([])
    /// Failed with the first infrastructure failure of an execution: `run()` then stops with it.
    let infrastructureFailed = Latch()
    /// A random id of this runtime's life, in the executors table (see ``ExecutorInfo``).
    let incarnation = UUID().uuidString.lowercased()
    /// Whether this runtime holds its executor's lease (released at a graceful stop).
    let leaseHeld = Mutex(false)
    var logger: Logger { configuration.logger }
    /// The configured interceptors (and the test's), in order.
    let interceptors: InterceptorChain
    var executorID: String { configuration.executorID }

    /// Creates a runtime over a journal backend.
    ///
    /// - Parameters:
    ///   - backend: where checkpoints are stored (`SQLiteJournal`, `PostgresJournal`, …).
    ///   - configuration: executor id, role, queues, logging.
    ///   - clock: the time source for retries and durable sleeps.
    ///   - interceptor: one more interceptor after the configuration's (a test's crash
    ///     injector, say); nil in production.
    public init(
        backend: any JournalBackend, configuration: RuntimeConfiguration = RuntimeConfiguration(),
        clock: any RuntimeClock = SystemClock(), interceptor: (any WorkflowInterceptor)? = nil
    ) {
        self.configuration = configuration
        let chain = InterceptorChain(interceptors: configuration.interceptors + (interceptor.map { [$0] } ?? []))
        self.interceptors = chain
        self.journal = JournalActor(backend: backend, interceptors: chain)
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
        do {
            try await cancelWhenGracefulShutdown {
                try await self.runUntilCancelled()
            }
            started.settle(.failure(RuntimeStopped(reason: "the runtime stopped before it had started")))
            await releaseExecutorLease()
        } catch {
            started.settle(.failure(error))
            // A crash explains whatever the interrupted parts threw on the way down; a crashed
            // process keeps its lease until it expires, as a killed one does.
            if await journal.isCrashed { throw JournalError.crashed }
            await releaseExecutorLease()
            // Stopped on request: in-flight workflows stay PENDING for recovery.
            if Task.isCancelled { return }
            throw error
        }
    }

    private func runUntilCancelled() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            addSupervised(to: &group) {
                // A crash injected at a checkpoint takes the whole runtime down, as a kill would.
                while !Task.isCancelled {
                    await self.journal.crashSignal.wait(timeout: .seconds(3600))
                    if await self.journal.isCrashed { throw JournalError.crashed }
                }
            }
            addSupervised(to: &group) {
                // A full disk or a failing file stops the runtime instead of failing workflows.
                do {
                    try await self.infrastructureFailed.wait()
                } catch is CancellationError {}
            }
            try await journal.open()
            try await holdBindings()
            if let lease = configuration.executorLease {
                try await acquireExecutorLease(lease)
                group.addTask { await self.maintainExecutorLease(lease) }
            }
            try await recoverPendingWorkflows()
            for queue in configuration.queues {
                addSupervised(to: &group) { try await self.workQueue(queue) }
            }
            started.settle(.success(()))
            // Ends when run() is cancelled, or when a supervised task fails and finishes the
            // stream; the failure then propagates out of the group.
            for await record in submissions {
                group.addTask { await self.execute(record) }
            }
            group.cancelAll()
        }
    }

    /// Binds each of ``RuntimeConfiguration/bindings``, or throws
    /// ``WorkflowError/journalBoundElsewhere(key:bound:here:boundAt:advice:)`` for the first
    /// whose journal holds another value: before anything is recovered or dequeued.
    private func holdBindings() async throws {
        for requirement in configuration.bindings {
            let wanted = requirement.binding
            let bound = try await journal.backend.bind(wanted, replacing: requirement.replacing, now: journalTimestamp(clock.now()))
            guard bound.value == wanted.value else {
                throw WorkflowError.journalBoundElsewhere(
                    key: wanted.key, bound: bound.detail, here: wanted.detail, boundAt: bound.boundAt, advice: requirement.advice)
            }
            if requirement.replacing {
                configuration.logger.notice("journal binding replaced", metadata: ["key": "\(wanted.key)", "value": "\(wanted.detail)"])
            }
        }
    }

    /// Adds a long-running part of the runtime to its task group; if it fails, the submission
    /// stream is finished so that `run()` stops taking work and the error propagates.
    private func addSupervised(
        to group: inout ThrowingDiscardingTaskGroup<any Error>, _ operation: @escaping @Sendable () async throws -> Void
    ) {
        group.addTask {
            do {
                try await operation()
            } catch {
                self.submitter.finish()
                throw error
            }
        }
    }

    /// The journal backend's background work (connection pool, LISTEN connection) as a
    /// `Service`. It must run for as long as the runtime does and stop after it: put it before
    /// the runtime in a `ServiceGroup`, which shuts services down in reverse order, so that
    /// workflows drain before the pool closes.
    public var journalService: JournalService { JournalService(backend: journal.backend) }

    /// Runs the journal service and the runtime for the duration of `body`, then stops the
    /// runtime, waits for it to drain, and stops the journal service.
    public func withRunning<T: Sendable>(_ body: @Sendable (WorkflowRuntime) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { journalGroup in
            journalGroup.addTask { try await self.journalService.run() }
            defer { journalGroup.cancelAll() }
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await self.run()
                    return nil
                }
                let result: T
                do {
                    try await waitUntilStarted()
                    result = try await body(self)
                } catch {
                    await stopHoldingLease()
                    group.cancelAll()
                    throw error
                }
                await stopHoldingLease()
                group.cancelAll()
                // Whatever the runtime throws while it stops is of no interest to the caller.
                while case .some = try? await group.next() {}
                return result
            }
        }
    }

    /// Releases the lease before a stop by cancellation (``withRunning(_:)``): once the task is
    /// cancelled the journal refuses the release, and the lease would outlive the process by
    /// up to its length. A crashed runtime keeps it, as a killed process does.
    private func stopHoldingLease() async {
        if await journal.isCrashed { return }
        await releaseExecutorLease()
    }

    /// Like ``withRunning(_:)``, but returns nil when the runtime crashes (a crash injector, or
    /// ``WorkflowContext/simulateProcessCrash()``) before `body` is done, instead of waiting
    /// for a result that this runtime will never produce. A supervisor then starts a new runtime
    /// on the same journal, whose recovery resumes the work.
    public func withRunningUnlessCrashed<T: Sendable>(_ body: @escaping @Sendable (WorkflowRuntime) async throws -> T) async throws -> T? {
        try await withThrowingTaskGroup(of: Void.self) { journalGroup in
            journalGroup.addTask { try await self.journalService.run() }
            defer { journalGroup.cancelAll() }
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    do {
                        try await self.run()
                    } catch JournalError.crashed {}
                    return nil
                }
                group.addTask {
                    do {
                        try await self.waitUntilStarted()
                        return try await body(self)
                    } catch {
                        if await self.journal.isCrashed { return nil }
                        throw error
                    }
                }
                defer { group.cancelAll() }
                // The first to finish decides: the body's result or error, or the runtime's end.
                // Either way the lease is released before anything is cancelled, so a body that
                // failed still stops gracefully.
                let first: Result<T?, any Error>
                do { first = .success(try await group.next() ?? nil) } catch { first = .failure(error) }
                await stopHoldingLease()
                group.cancelAll()
                while case .some = try? await group.next() {}
                return try first.get()
            }
        }
    }

    /// Waits until the journal is open and start-up recovery is done (or rethrows why opening
    /// the journal failed).
    public func waitUntilStarted() async throws {
        try await journal.waitUntilOpen()
        try await started.wait()
    }

    /// Hands a workflow to the execution task group of ``run()``.
    func submitForExecution(_ record: WorkflowRecord) {
        submitter.yield(record)
    }
}

/// Why a runtime that was waited on never started.
struct RuntimeStopped: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
