import DurableRuntime
import DurableTesting
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Synchronization
import Testing

@Suite("ELT pipeline under crashes and failures")
struct PipelineCrashTests {
    /// 3 batches × 2 pages × 5 users: 30 users, small enough to crash at every checkpoint.
    static func smallInput(_ integration: ConnectedIntegration) -> PipelineInput {
        PipelineHarness.pipelineInput(integration, numBatches: 3, batchSize: 2, pageSize: 5)
    }

    static let cases: [(JournalKind, CrashInjector.Moment)] = JournalKind.available.flatMap { kind in
        CrashInjector.Moment.allCases.map { (kind, $0) }
    }

    @Test("a crash at every checkpoint of one pipeline ends in the exact state with no duplicate staging rows",
          arguments: cases)
    func crashAtEveryCheckpoint(kind: JournalKind, moment: CrashInjector.Moment) async throws {
        // The uncrashed run gives the reference result and the number of checkpoints.
        let reference = try await PipelineHarness(kind, integrations: 1, source: GeneratorUserSource(baseCount: 30))
        let integration = try await reference.integrations()[0]
        let input = Self.smallInput(integration)
        let commits = CommitSizes()
        let referenceRuntime = try reference.makeRuntime(interceptor: commits)
        let expected = try await referenceRuntime.withRunning { try await $0.run(ELTPipelineWorkflow.self, id: "p", input: input) }
        let checkpoints = await referenceRuntime.journal.checkpointCount
        // The last commit carries the pipeline's completion with what its chain still carried
        // (see WriteCarry): a crash after it, at any of its checkpoints, leaves a finished run.
        let lastCommitStart = checkpoints - commits.last + 1
        #expect(expected.usersStaged == 30 && expected.latest == 30 && expected.synced == 30)
        #expect(checkpoints > 30)

        for k in 1...checkpoints {
            let harness = try await PipelineHarness(kind, integrations: 1, source: GeneratorUserSource(baseCount: 30))
            let crashed = try harness.makeRuntime(interceptor: CrashInjector(atCheckpoint: k, moment: moment))
            let early = try await crashed.withRunningUnlessCrashed { try await $0.run(ELTPipelineWorkflow.self, id: "p", input: input) }
            // After the last commit the result is durable, and a waiter may read it before the crash shows.
            if k < lastCommitStart || moment == .beforeCommit {
                #expect(early == nil, "checkpoint \(k) of \(checkpoints) did not crash the run")
            }
            let result = try await harness.withRuntime { try await $0.run(ELTPipelineWorkflow.self, id: "p", input: input) }
            #expect(result == expected, "crash at checkpoint \(k) \(moment)")
            let tenant = integration.tenant
            let counts = try await harness.snapshotCounts(tenant)
            #expect(counts == ["users_staging": 30, "users_cdc": 30, "users_latest": 30, "users_quarantine": 0, "target": 30],
                    "crash at checkpoint \(k) \(moment)")
            #expect(try await harness.store.duplicateStagingRows() == 0, "crash at checkpoint \(k) \(moment)")
        }
    }

    @Test("a crash at every checkpoint of a root that pages its integrations ends with every tenant loaded once",
          arguments: cases)
    func pagedRootCrashAtEveryCheckpoint(kind: JournalKind, moment: CrashInjector.Moment) async throws {
        // 3 integrations read 2 at a time; 5 users each, in one page.
        let input = RootInput(numBatches: 1, batchSize: 1, pageSize: 5, integrationPageSize: 2)
        let source = GeneratorUserSource(baseCount: 5)
        let reference = try await PipelineHarness(kind, integrations: 3, source: source)
        let referenceRuntime = try reference.makeRuntime()
        let expected = try await referenceRuntime.withRunning { try await $0.run(RootOrchestrationWorkflow.self, id: "root", input: input) }
        let checkpoints = await referenceRuntime.journal.checkpointCount
        #expect(expected.integrations == 3 && expected.usersStaged == 15 && expected.latest == 15 && expected.synced == 15)

        for k in 1...checkpoints {
            let harness = try await PipelineHarness(kind, integrations: 3, source: source)
            let crashed = try harness.makeRuntime(interceptor: CrashInjector(atCheckpoint: k, moment: moment))
            _ = try await crashed.withRunningUnlessCrashed { try await $0.run(RootOrchestrationWorkflow.self, id: "root", input: input) }
            let result = try await harness.withRuntime { try await $0.run(RootOrchestrationWorkflow.self, id: "root", input: input) }
            #expect(result == expected, "crash at checkpoint \(k) of \(checkpoints) \(moment)")
            for integration in try await harness.integrations() {
                let counts = try await harness.snapshotCounts(integration.tenant)
                #expect(counts == ["users_staging": 5, "users_cdc": 5, "users_latest": 5, "users_quarantine": 0, "target": 5],
                        "crash at checkpoint \(k) \(moment), \(integration.organizationID)")
            }
            #expect(try await harness.store.duplicateStagingRows() == 0)
        }
    }

    @Test("with the seed's failure rates on, the final state is exact", arguments: JournalKind.available)
    func seedFailureRates(kind: JournalKind) async throws {
        let failures = FailureSimulation.seedRates(seed: 42)
        let harness = try await PipelineHarness(kind, failures: failures)
        let result = try await runRecovering(harness) { runtime in
            try await runtime.run(RootOrchestrationWorkflow.self, id: "root", input: RootInput())
        }
        #expect(result.integrations == 2)
        #expect(result.usersStaged == 2_000)
        #expect(result.cdcInserts == 2_000 && result.cdcUpdates == 0 && result.cdcDeletes == 0)
        #expect(result.latest == 2_000 && result.synced == 2_000)
        #expect(try await harness.store.count(.staging) == 2_000)
        #expect(try await harness.store.duplicateStagingRows() == 0)
        for integration in try await harness.integrations() {
            #expect(try await harness.target.users(tenant: integration.tenant) == harness.store.latestUsers(tenant: integration.tenant))
        }
    }

    @Test("an out-of-memory kill after batch 5 is recovered from the checkpoints", arguments: JournalKind.available)
    func outOfMemoryKill(kind: JournalKind) async throws {
        let failures = FailureSimulation(outOfMemoryRate: 1, outOfMemoryKillLimit: 1)
        let harness = try await PipelineHarness(kind, integrations: 1, failures: failures)
        let integration = try await harness.integrations()[0]
        let (result, restarts) = try await runRecoveringCounting(harness) { runtime in
            try await runtime.run(ELTPipelineWorkflow.self, id: "oom", input: PipelineHarness.pipelineInput(integration))
        }
        #expect(failures.outOfMemoryKills == 1)
        #expect(restarts == 1)
        #expect(result.usersStaged == 1_000 && result.latest == 1_000 && result.synced == 1_000)
        #expect(try await harness.store.count(.staging) == 1_000)
        #expect(try await harness.store.duplicateStagingRows() == 0)
        // The six batches done before the kill ran once; the recovered run did the other four.
        try await harness.withRuntime { runtime in
            let extract = try #require(try await runtime.listWorkflows(WorkflowQuery(parentID: "oom")).first { $0.name == ExtractAndLoadWorkflow.name })
            #expect(extract.recoveryAttempts >= 1)
            let batches = try await runtime.listWorkflows(WorkflowQuery(parentID: extract.id))
            #expect(batches.count == 10)
        }
    }

    @Test("at most one batch per pipeline is in memory: the gauge never passes batch_size × page_size",
          arguments: JournalKind.available)
    func memoryBound(kind: JournalKind) async throws {
        let harness = try await PipelineHarness(kind, integrations: 4, source: GeneratorUserSource(latency: .milliseconds(1)))
        let result = try await harness.withRuntime { runtime in
            try await runtime.run(RootOrchestrationWorkflow.self, id: "root", input: RootInput())
        }
        #expect(result.usersStaged == 4_000)
        let peaks = harness.gauge.peaks
        #expect(peaks.count == 4)
        for (pipeline, peak) in peaks {
            #expect(peak == 100, "pipeline \(pipeline) held \(peak) records at once")
            #expect(harness.gauge.live(pipeline: pipeline) == 0)
        }
    }

    /// Runs `body` on runtimes of `harness` until one finishes it without crashing.
    func runRecovering<T: Sendable>(_ harness: PipelineHarness, _ body: @escaping @Sendable (WorkflowRuntime) async throws -> T) async throws -> T {
        try await runRecoveringCounting(harness, body).0
    }

    func runRecoveringCounting<T: Sendable>(
        _ harness: PipelineHarness, _ body: @escaping @Sendable (WorkflowRuntime) async throws -> T
    ) async throws -> (T, Int) {
        for restarts in 0..<50 {
            if let result = try await harness.makeRuntime().withRunningUnlessCrashed(body) { return (result, restarts) }
        }
        Issue.record("the run crashed 50 times")
        throw CancellationError()
    }
}

/// The number of writes of each journal commit, as the runtime reports them.
final class CommitSizes: WorkflowInterceptor {
    private let sizes = Mutex<[Int]>([])

    /// The writes of the last commit (0 before any).
    var last: Int { sizes.withLock { $0.last ?? 0 } }

    func observe(_ event: RuntimeEvent) {
        if case .committed(let writes, _, _) = event { sizes.withLock { $0.append(writes) } }
    }
}
