import DurableRuntime
import DurableTesting
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Testing

/// The fault of issue 11: a fork refused because its new id was another tenant's queued run
/// copied the source's steps into that run, which then replayed the source tenant's
/// integration, found none of its users in its own snapshot, and deleted them all.
@Suite("Cross-tenant fork")
struct CrossTenantForkTests {
    @Test("a fork refused because its id is another tenant's queued run leaves that run to run its own input and delete nothing",
          arguments: JournalKind.available)
    func refusedForkIntoAnotherTenant(kind: JournalKind) async throws {
        let harness = try await PipelineHarness(kind)
        let integrations = try await harness.integrations()
        let (first, second) = (integrations[0], integrations[1])
        _ = try await harness.withRuntime { runtime in
            try await runtime.run(ELTPipelineWorkflow.self, id: "org1-run", input: PipelineHarness.pipelineInput(first))
        }
        let firstBefore = try await harness.snapshotCounts(first.tenant)
        #expect(firstBefore["users_latest"] == 1_000)

        // With no worker running, org-002's run is enqueued as `victim`, then a client forks
        // org-001's run from step 3 into that id.
        try await ELTManagement.withClient(backend: try harness.journal.open()) { runtime in
            let input = String(decoding: try JSONEncoder().encode(PipelineHarness.pipelineInput(second)), as: UTF8.self)
            _ = try await runtime.enqueue(name: ELTPipelineWorkflow.name, inputJSON: input, id: "victim")
            let before = try await runtime.journal.backend.dump()
            await #expect(throws: WorkflowError.conflictingWorkflowName(
                workflowID: "victim", existing: ELTPipelineWorkflow.name, requested: "fork of org1-run")) {
                try await runtime.fork(id: "org1-run", fromStep: 3, newID: "victim", queue: ELTPipeline.runQueueName)
            }
            #expect(try await runtime.journal.backend.dump() == before, "the refused fork must write nothing")
            #expect(try await runtime.steps(workflowID: "victim").isEmpty)
        }

        // A worker then runs `victim`: org-002's own pipeline, which deletes nothing anywhere.
        let worker = WorkflowRuntime(
            backend: try harness.journal.open(),
            configuration: RuntimeConfiguration(
                queues: [ELTPipeline.queue, ELTPipeline.runQueue], queuePollInterval: .milliseconds(100),
                resultPollInterval: .milliseconds(20)))
        ELTPipeline.register(on: worker, environment: harness.environment)
        let result = try await worker.withRunning { runtime in
            try await runtime.handle(id: "victim", of: ELTPipelineWorkflow.self).result()
        }
        #expect(result.organizationID == second.organizationID)
        #expect(result.connectedIntegrationID == second.id)
        #expect(result.cdc.counts == [1_000, 0, 0], "org-002's first run inserts its users and deletes none")
        #expect(try await harness.snapshotCounts(first.tenant) == firstBefore, "org-001's rows must be untouched")
        #expect(try await harness.target.users(tenant: first.tenant).count == 1_000)
        #expect(try await harness.store.count(.latest, tenant: second.tenant) == 1_000)
    }
}
