import DurableRuntime
import DurableTesting
import Foundation
import Testing

/// Builds runtimes over a temporary journal for one test.
struct RuntimeHarness {
    let journal: TemporaryJournal
    let effects = SideEffects()

    init(_ kind: JournalKind) throws {
        journal = try TemporaryJournal(kind)
    }

    /// Runs `body` with a client (no worker) of this test's journal, whose default queue is
    /// `defaultQueue`.
    func withClient<T: Sendable>(
        defaultQueue: String = "default", queues: [WorkflowQueue] = [], _ body: @Sendable (DurableClient) async throws -> T
    ) async throws -> T {
        try await DurableClient.withClient(backend: try journal.open(), defaultQueue: defaultQueue, queues: queues, body)
    }

    /// A new runtime on this test's journal, with the test workflows registered; with
    /// `commitDelay`, each of its commits takes that much longer (see ``SlowCommitBackend``).
    func runtime(
        executorID: String = "local", queues: [WorkflowQueue] = [],
        queuePollInterval: Duration = .milliseconds(500), clock: any RuntimeClock = SystemClock(),
        interceptor: (any WorkflowInterceptor)? = nil, gate: Gate = Gate(), gauge: ConcurrencyGauge = ConcurrencyGauge(),
        executorLease: Duration? = nil, leaseRenewInterval: Duration? = nil, interceptors: [any WorkflowInterceptor] = [],
        commitDelay: Duration? = nil, bindings: [BindingRequirement] = [], register: (WorkflowRuntime) -> Void = { _ in }
    ) throws -> WorkflowRuntime {
        var configuration = RuntimeConfiguration(
            executorID: executorID, queues: queues, queuePollInterval: queuePollInterval,
            resultPollInterval: .milliseconds(20), executorLease: executorLease, leaseRenewInterval: leaseRenewInterval,
            interceptors: interceptors)
        configuration.bindings = bindings
        let backend = try journal.open()
        let runtime = WorkflowRuntime(
            backend: commitDelay.map { SlowCommitBackend(inner: backend, delay: $0) } ?? backend, configuration: configuration,
            clock: clock, interceptor: interceptor)
        runtime.register(DoublingChild(effects: effects))
        runtime.register(MixedParent(effects: effects))
        runtime.register(SequentialSteps(effects: effects))
        runtime.register(GatedWorkflow(effects: effects, gate: gate))
        runtime.register(GaugedWorkflow(effects: effects, gauge: gauge))
        runtime.register(MemoWorkflow(effects: effects))
        register(runtime)
        return runtime
    }
}

/// Runs `runtime` until `body` has returned, then stops it (as a process shutdown would).
func withRunning<T: Sendable>(
    _ runtime: WorkflowRuntime, _ body: @Sendable (WorkflowRuntime) async throws -> T
) async throws -> T {
    try await runtime.withRunning(body)
}

/// Runs `runtime` and `body` until the crash injector crashes the runtime. Errors of `body`
/// caused by the crash are swallowed, as a killed process has no caller left.
func runUntilCrash(_ runtime: WorkflowRuntime, _ body: @escaping @Sendable (WorkflowRuntime) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { journalGroup in
        journalGroup.addTask { try await runtime.journalService.run() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await runtime.run()
                    Issue.record("the runtime stopped without crashing")
                } catch JournalError.crashed {
                    // The expected end.
                }
            }
            group.addTask {
                do {
                    try await runtime.waitUntilStarted()
                    try await body(runtime)
                } catch {
                    // Crashed mid-call (JournalError.crashed) or cancelled with the runtime.
                }
                // Leave the runtime time to go down; if it never crashes, the other task reports it.
                let deadline = Date().addingTimeInterval(10)
                while !(await runtime.journal.isCrashed), Date() < deadline {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                try? await Task.sleep(for: .seconds(10))
            }
            try await group.next()
            group.cancelAll()
            try await group.waitForAll()
        }
        journalGroup.cancelAll()
    }
}

/// The lines of two journal dumps (``JournalBackend/dump()``) that differ: `- ` removed,
/// `+ ` added; empty when the journal did not change.
func journalDifference(_ before: [String], _ after: [String]) -> String {
    let removed = Set(before).subtracting(after).sorted().map { "- \($0)" }
    let added = Set(after).subtracting(before).sorted().map { "+ \($0)" }
    return (removed + added).joined(separator: "\n")
}
