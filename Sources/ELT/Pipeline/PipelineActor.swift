import DurableRuntime
import Foundation

/// Runs one tenant's pipeline: `elt_pipeline_workflow` (the four stages as child workflows)
/// and `extract_and_load_workflow` (its batches, strictly one after another, so one batch of
/// the tenant is in memory at a time).
actor PipelineActor {
    private let context: WorkflowContext
    private let environment: PipelineEnvironment

    init(context: WorkflowContext, environment: PipelineEnvironment) {
        self.context = context
        self.environment = environment
    }

    /// Extract and load, CDC, apply, sync. The pipeline's id is the run id of every row it writes.
    func runPipeline(_ input: PipelineInput) async throws -> PipelineResult {
        _ = try BatchParameters.resolve(numBatches: input.numBatches, batchSize: input.batchSize, pageSize: input.pageSize)
        let integration = try await loadIntegration(input)
        let runID = input.runID ?? context.workflowID
        var extractInput = input
        extractInput.runID = runID
        extractInput.snapshot = input.snapshot ?? integration.providerData.snapshot ?? 0
        let extract = try await context.runChild(ExtractAndLoadWorkflow.self, input: extractInput)
        let tenant = integration.tenant
        let cdc = try await context.runChild(
            CDCDetectionWorkflow.self, input: StageInput(tenant: tenant, runID: runID, snapshotComplete: extract.snapshotComplete))
        let apply = try await context.runChild(ApplyToLatestWorkflow.self, input: StageInput(tenant: tenant, runID: runID))
        let sync = try await context.runChild(SyncToPostgresWorkflow.self, input: StageInput(tenant: tenant, runID: runID))
        return PipelineResult(tenant: tenant, runID: runID, extract: extract, cdc: cdc, apply: apply, sync: sync)
    }

    /// The batches of one extraction, until the source's snapshot ends or `num_batches` are done.
    func extractAndLoad(_ input: PipelineInput) async throws -> ExtractResult {
        let parameters = try BatchParameters.resolve(numBatches: input.numBatches, batchSize: input.batchSize, pageSize: input.pageSize)
        let integration = try await loadIntegration(input)
        let runID = input.runID ?? context.workflowID
        let snapshot = input.snapshot ?? integration.providerData.snapshot ?? 0
        let failures = environment.failures
        var result = ExtractResult(runID: runID, batches: 0, pages: 0, usersStaged: 0, quarantined: 0, snapshotComplete: false)
        for batchNumber in 0..<parameters.numBatches {
            let batch = try await context.runChild(
                ExtractAndLoadBatchWorkflow.self,
                input: BatchInput(integration: integration, runID: runID, batchNumber: batchNumber, parameters: parameters, snapshot: snapshot))
            result.batches += 1
            result.pages += batch.pages
            result.usersStaged += batch.staged
            result.quarantined += batch.quarantined
            if !batch.hasMore {
                result.snapshotComplete = true
                break
            }
            if batchNumber + 1 > failures.outOfMemoryAfterBatch, failures.outOfMemoryKillOccurs() {
                try await simulateOutOfMemory(after: batchNumber + 1)
            }
        }
        return result
    }

    private func loadIntegration(_ input: PipelineInput) async throws -> ConnectedIntegration {
        let store = environment.store
        return try await context.step("load_connected_integration") {
            if let integration = try await store.integration(id: input.connectedIntegrationID),
               integration.organizationID == input.organizationID {
                return integration
            }
            let known = try await store.integrations().map { "\($0.organizationID) \($0.id) (\($0.provider))" }
            throw PipelineError.unknownIntegration(id: input.connectedIntegrationID, organizationID: input.organizationID, known: known)
        }
    }

    private func simulateOutOfMemory(after batch: Int) async throws {
        switch environment.outOfMemory {
        case .crashRuntime:
            try await context.simulateProcessCrash()
        case .exitProcess:
            FileHandle.standardError.write(Data(
                "simulated out-of-memory kill of \(context.workflowID) after batch \(batch): exiting with status 137\n".utf8))
            exit(137)
        }
    }
}
