import DurableRuntime

/// `root_orchestration_workflow`: enqueues one `elt_pipeline_workflow` per connected
/// integration on `elt_queue` and totals their results.
public struct RootOrchestrationWorkflow: Workflow {
    /// The seed's name.
    public static let name = "root_orchestration_workflow"
    /// The pipeline's dependencies.
    public let environment: PipelineEnvironment

    /// Creates the workflow.
    public init(environment: PipelineEnvironment) {
        self.environment = environment
    }

    /// Runs the orchestration.
    public func run(context: WorkflowContext, input: RootInput) async throws -> RootResult {
        try await RootOrchestrator(context: context, environment: environment).run(input)
    }
}

/// `elt_pipeline_workflow`: one tenant's extract-and-load, CDC, apply and sync.
public struct ELTPipelineWorkflow: Workflow {
    /// The seed's name.
    public static let name = "elt_pipeline_workflow"
    /// The pipeline's dependencies.
    public let environment: PipelineEnvironment

    /// Creates the workflow.
    public init(environment: PipelineEnvironment) {
        self.environment = environment
    }

    /// Runs the four stages.
    public func run(context: WorkflowContext, input: PipelineInput) async throws -> PipelineResult {
        try await PipelineActor(context: context, environment: environment).runPipeline(input)
    }
}

/// `extract_and_load_workflow`: the batches of one tenant's extraction, one at a time.
public struct ExtractAndLoadWorkflow: Workflow {
    /// The seed's name.
    public static let name = "extract_and_load_workflow"
    /// The pipeline's dependencies.
    public let environment: PipelineEnvironment

    /// Creates the workflow.
    public init(environment: PipelineEnvironment) {
        self.environment = environment
    }

    /// Runs the batches until the snapshot ends or `num_batches` are done.
    public func run(context: WorkflowContext, input: PipelineInput) async throws -> ExtractResult {
        try await PipelineActor(context: context, environment: environment).extractAndLoad(input)
    }
}

/// `extract_and_load_batch_workflow`: `fetch_users_from_api` per page, then one
/// `insert_users_to_staging` for the batch.
public struct ExtractAndLoadBatchWorkflow: Workflow {
    /// The seed's name.
    public static let name = "extract_and_load_batch_workflow"
    /// The pipeline's dependencies.
    public let environment: PipelineEnvironment

    /// Creates the workflow.
    public init(environment: PipelineEnvironment) {
        self.environment = environment
    }

    /// Fetches and stages one batch.
    public func run(context: WorkflowContext, input: BatchInput) async throws -> BatchResult {
        try await BatchActor(context: context, environment: environment, input: input).run()
    }
}
