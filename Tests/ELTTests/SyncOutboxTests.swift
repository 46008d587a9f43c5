import DurableRuntime
import DurableTesting
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Synchronization
import Testing

/// A sync target that is unreachable (transient errors) for a while, or for a number of attempts.
final class FlakySyncTarget: SyncTarget {
    let wrapped: any SyncTarget
    private let downUntil = Mutex<ContinuousClock.Instant?>(nil)
    private let refusalsLeft = Mutex(0)
    let refusals = Atomic<Int>(0)

    init(_ wrapped: any SyncTarget) { self.wrapped = wrapped }

    var location: String { wrapped.location }
    var kind: String { wrapped.kind }

    /// Unreachable for `duration` from now.
    func down(for duration: Duration) { downUntil.withLock { $0 = .now + duration } }

    /// Unreachable for the next `attempts` applies.
    func refuse(next attempts: Int) { refusalsLeft.withLock { $0 = attempts } }

    func prepare() async throws { try await wrapped.prepare() }
    func identity() async throws -> String { try await wrapped.identity() }
    func users(tenant: Tenant) async throws -> [SourceUser] { try await wrapped.users(tenant: tenant) }

    func apply(runID: String, tenant: Tenant, changes: any ChangeChunks) async throws -> SyncOutcome {
        let refuseThis = refusalsLeft.withLock { left in
            defer { left = max(0, left - 1) }
            return left > 0
        }
        if refuseThis || downUntil.withLock({ $0 }).map({ ContinuousClock.now < $0 }) == true {
            refusals.add(1, ordering: .relaxed)
            throw SyncTargetError(location: location, operation: "sync run \(runID)", reason: "cannot connect: connection refused",
                                  isTransient: true)
        }
        return try await wrapped.apply(runID: runID, tenant: tenant, changes: changes)
    }
}

@Suite("Sync: unsynced changes are never lost")
struct SyncOutboxTests {
    @Test("a sync target down for a while is waited out: the run succeeds late and exact", arguments: JournalKind.available)
    func outageWaitedOut(kind: JournalKind) async throws {
        var harness = try await PipelineHarness(kind, integrations: 1)
        let flaky = FlakySyncTarget(harness.target)
        harness.syncTargetOverride = flaky
        harness.syncRetry = SyncRetryPolicy(deadline: .seconds(60), initialDelay: .milliseconds(50), maxDelay: .milliseconds(200))
        let integration = try await harness.integrations()[0]
        flaky.refuse(next: 6)
        let result = try await harness.withRuntime {
            try await $0.run(ELTPipelineWorkflow.self, id: "p", input: PipelineHarness.pipelineInput(integration))
        }
        #expect(flaky.refusals.load(ordering: .relaxed) == 6, "the sync must have met the outage")
        #expect(result.synced == 1_000 && result.latest == 1_000)
        #expect(try await harness.target.users(tenant: integration.tenant) == harness.store.latestUsers(tenant: integration.tenant))
        #expect(try await harness.store.unsyncedRuns(tenant: integration.tenant).isEmpty)
    }

    @Test("a run whose sync gave up leaves its changes in the outbox, and the tenant's next run syncs them first",
          arguments: JournalKind.available)
    func nextRunCatchesUp(kind: JournalKind) async throws {
        let churn = ChurnModel(insertRate: 0.05, updateRate: 0.05, deleteRate: 0.05)
        var harness = try await PipelineHarness(kind, integrations: 1, source: GeneratorUserSource(churn: churn, baseCount: 200))
        let flaky = FlakySyncTarget(harness.target)
        harness.syncTargetOverride = flaky
        harness.syncRetry = SyncRetryPolicy(deadline: .milliseconds(300), initialDelay: .milliseconds(100), maxDelay: .milliseconds(100))
        let integration = try await harness.integrations()[0]
        let tenant = integration.tenant
        _ = try await harness.withRuntime {
            try await $0.run(ELTPipelineWorkflow.self, id: "r0", input: PipelineHarness.pipelineInput(integration, snapshot: 0))
        }
        flaky.down(for: .seconds(3_600))
        let failed = try await harness.withRuntime { runtime in
            do {
                _ = try await runtime.run(ELTPipelineWorkflow.self, id: "r1", input: PipelineHarness.pipelineInput(integration, snapshot: 1))
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(failed.contains("sync retry deadline"), "\(failed)")
        #expect(try await harness.store.unsyncedRuns(tenant: tenant) == ["r1"])
        #expect(try await harness.target.users(tenant: tenant) != harness.store.latestUsers(tenant: tenant))

        flaky.down(for: .zero)
        let next = try await harness.withRuntime {
            try await $0.run(ELTPipelineWorkflow.self, id: "r2", input: PipelineHarness.pipelineInput(integration, snapshot: 1))
        }
        #expect(next.cdc.counts == [0, 0, 0], "snapshot 1 is already in users_latest")
        #expect(next.caughtUpRuns == ["r1"])
        #expect(next.synced > 0)
        #expect(try await harness.target.users(tenant: tenant) == harness.store.latestUsers(tenant: tenant))
        #expect(try await harness.store.unsyncedRuns(tenant: tenant).isEmpty)
    }

    @Test("a run's changes are read in chunks of the reader's size, in id order, each once", arguments: JournalKind.available)
    func changeReaderChunks(kind: JournalKind) async throws {
        let harness = try await PipelineHarness(kind, integrations: 1, source: GeneratorUserSource(baseCount: 2_500))
        let integration = try await harness.integrations()[0]
        _ = try await harness.withRuntime {
            try await $0.run(ELTPipelineWorkflow.self, id: "p", input: PipelineHarness.pipelineInput(integration, numBatches: 30))
        }
        let reader = harness.store.changeChunks(runID: "p", tenant: integration.tenant, chunkSize: 1_000)
        var sizes: [Int] = []
        var ids: [String] = []
        while let chunk = try await reader.next() {
            sizes.append(chunk.count)
            ids += chunk.map(\.id)
        }
        #expect(sizes == [1_000, 1_000, 500])
        #expect(ids == ids.sorted() && Set(ids).count == 2_500)
        #expect(try await reader.next() == nil)
    }
}
