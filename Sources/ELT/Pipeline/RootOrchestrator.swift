import DurableRuntime

/// Runs `root_orchestration_workflow`: one pipeline per connected integration, on `elt_queue`.
///
/// The pipelines run in the queue's workers (at most 5 at once across every process sharing
/// the journal); the orchestrator enqueues them all, then awaits them in order. Awaiting in
/// order costs one journal read per pipeline that is already done, where awaiting all at once
/// would re-read every pending one at each completion.
actor RootOrchestrator {
    private let context: WorkflowContext
    private let environment: PipelineEnvironment

    init(context: WorkflowContext, environment: PipelineEnvironment) {
        self.context = context
        self.environment = environment
    }

    func run(_ input: RootInput) async throws -> RootResult {
        // Reject bad parameters before enqueueing anything.
        _ = try BatchParameters.resolve(numBatches: input.numBatches, batchSize: input.batchSize, pageSize: input.pageSize)
        _ = try PipelineActor.resolveMaxDeleteFraction(input.maxDeleteFraction)
        let store = environment.store
        let integrations = try await context.step("load_connected_integrations") { try await store.integrations() }
        // Every pipeline reads the source the root started with, whichever process runs it.
        let source = try await PipelineActor.resolveSource(input.source, context: context, environment: environment)
        var handles: [WorkflowHandle<PipelineResult>] = []
        handles.reserveCapacity(integrations.count)
        for integration in integrations {
            let pipeline = PipelineInput(
                organizationID: integration.organizationID, connectedIntegrationID: integration.id,
                numBatches: input.numBatches, batchSize: input.batchSize, pageSize: input.pageSize, snapshot: input.snapshot,
                source: source, maxDeleteFraction: input.maxDeleteFraction)
            handles.append(try await context.enqueue(ELTPipelineWorkflow.self, queue: ELTPipeline.queueName, input: pipeline))
        }
        var results: [PipelineResult] = []
        var failures: [String] = []
        for (handle, integration) in zip(handles, integrations) {
            do {
                results.append(try await handle.result())
            } catch let error as WorkflowError {
                failures.append("\(integration.tenant) (\(handle.id)): \(error)")
            }
        }
        if !failures.isEmpty { throw PipelineError.pipelinesFailed(failures) }
        return RootResult(pipelines: results)
    }
}
