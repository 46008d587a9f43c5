import DurableRuntime
import DurableTesting
@testable import ELT
import Foundation
import Synchronization
import Testing

/// Forking a pipeline: the fork goes on with the run whose steps it copied, or, forked before
/// the run was registered, is a run of its own. A new-user trial forked a finished pipeline
/// from its CDC step: the fork ran CDC under its own id, found none of its (empty) staging in a
/// snapshot recorded complete, and deleted every user of the tenant downstream.
@Suite("Forked pipelines")
struct ForkRunTests {
    /// The step of `workflowID` that ran a child named `name`, or the step named `name`.
    static func step(_ name: String, of workflowID: String, in runtime: WorkflowRuntime) async throws -> Int {
        let steps = try await runtime.steps(workflowID: workflowID)
        let step = steps.first { $0.name == name }
        return try #require(step?.stepNumber, "no step \(name) in \(steps.map(\.name))")
    }

    @Test("register_run recorded before it kept the run id (a bare sequence) still replays")
    func legacyRegistration() throws {
        let legacy = try JSONDecoder().decode(RegisteredRun.self, from: Data("7".utf8))
        #expect(legacy.runID == nil && legacy.sequence == 7)
        let current = try JSONDecoder().decode(RegisteredRun.self, from: JSONEncoder().encode(RegisteredRun(runID: "run-1", sequence: 3)))
        #expect(current == RegisteredRun(runID: "run-1", sequence: 3))
    }

    @Test("a finished pipeline forked from each of its steps keeps every user: the fork reuses the run it copied, or is a fresh run",
          arguments: JournalKind.available)
    func forkFromEachStep(kind: JournalKind) async throws {
        let harness = try await PipelineHarness(kind)
        let integration = try #require(try await harness.integrations().first)
        let tenant = integration.tenant
        let forks = try await harness.withRuntime { runtime in
            let original = try await runtime.run(ELTPipelineWorkflow.self, id: "run-1", input: PipelineHarness.pipelineInput(integration))
            #expect(original.cdc.counts == [1_000, 0, 0])
            let names = try await runtime.steps(workflowID: "run-1").map(\.name)
            var results: [String: PipelineResult] = [:]
            for name in names {
                let number = try await Self.step(name, of: "run-1", in: runtime)
                let id = "fork-\(number)"
                _ = try await runtime.fork(id: "run-1", fromStep: number, newID: id, queue: ELTPipeline.queueName)
                results[name] = try await runtime.handle(id: id, of: ELTPipelineWorkflow.self).result()
            }
            return results
        }
        #expect(forks.count >= 5, "forked from \(forks.keys.sorted())")
        for (step, result) in forks {
            #expect(result.cdc.deletes == 0, "forked from \(step): \(result.cdc)")
            #expect(result.latest == 1_000, "forked from \(step)")
        }
        // Forked before the registration, the fork is a run of its own (its own staging rows);
        // after it, the fork goes on with run-1 and stages nothing new.
        for step in ["load_connected_integration", "register_run"] {
            #expect(forks[step]?.runID.hasPrefix("fork-") == true, "forked from \(step), the fork is a run of its own")
        }
        for step in ["cdc_detection_workflow", "apply_to_latest_workflow", "sync_to_postgres_workflow", "extract_and_load_workflow"] {
            #expect(forks[step]?.runID == "run-1", "forked from \(step), the fork goes on with run-1")
        }
        #expect(try await harness.store.count(.latest, tenant: tenant) == 1_000)
        #expect(try await harness.target.users(tenant: tenant).count == 1_000)
        #expect(try await harness.store.duplicateStagingRows() == 0)
    }

    @Test("a pipeline that failed in a batch, forked from its extraction step once the cause is fixed, loads every user once",
          arguments: JournalKind.available)
    func forkFailedPipeline(kind: JournalKind) async throws {
        let source = BrokenPageSource(brokenPage: 42)
        let harness = try await PipelineHarness(kind, source: source)
        let integration = try #require(try await harness.integrations().first)
        let retried = try await harness.withRuntime { runtime in
            await #expect(throws: (any Error).self) {
                try await runtime.run(ELTPipelineWorkflow.self, id: "failed", input: PipelineHarness.pipelineInput(integration))
            }
            #expect(try await harness.store.count(.staging) == 400, "batches 0-3 were staged before page 42 failed")
            source.fix()
            let step = try await Self.step(ExtractAndLoadWorkflow.name, of: "failed", in: runtime)
            _ = try await runtime.fork(id: "failed", fromStep: step, newID: "retried", queue: ELTPipeline.queueName)
            return try await runtime.handle(id: "retried", of: ELTPipelineWorkflow.self).result()
        }
        #expect(retried.runID == "failed", "the fork goes on with the failed run")
        #expect(retried.cdc.counts == [1_000, 0, 0])
        #expect(try await harness.store.count(.staging) == 1_000)
        #expect(try await harness.store.duplicateStagingRows() == 0)
        #expect(try await harness.store.count(.latest, tenant: integration.tenant) == 1_000)
        #expect(try await harness.target.users(tenant: integration.tenant).count == 1_000)
    }
}

/// The generator's pages, but one page fails (not retryably, as a 401 does) until ``fix()``.
final class BrokenPageSource: UserSource {
    struct Broken: RetryClassifiedError {
        var isRetryable: Bool { false }
    }

    let brokenPage: Int
    private let broken = Atomic<Bool>(true)
    private let generator = GeneratorUserSource()

    init(brokenPage: Int) { self.brokenPage = brokenPage }

    func fix() { broken.store(false, ordering: .relaxed) }

    func fetchPage(integration: ConnectedIntegration, snapshot: Int, page: Int, pageSize: Int) async throws -> SourcePage {
        if page == brokenPage, broken.load(ordering: .relaxed) { throw Broken() }
        return try await generator.fetchPage(integration: integration, snapshot: snapshot, page: page, pageSize: pageSize)
    }
}
