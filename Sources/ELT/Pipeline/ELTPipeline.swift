import DurableRuntime

/// The pipeline's workflows and queue, registered on a runtime in one call.
public enum ELTPipeline {
    /// The queue pipelines run on: `elt_queue`.
    public static let queueName = "elt_queue"
    /// `elt_queue` with the seed's global concurrency of 5.
    public static let queue = WorkflowQueue(queueName, globalConcurrency: 5)

    /// The queue of top-level runs: workflows started by a client (`elt start`) and schedule
    /// ticks. Separate from `elt_queue`, so a root waiting for its pipelines never holds one of
    /// their slots.
    public static let runQueueName = "elt_run_queue"
    /// `elt_run_queue`: at most 8 at once per process.
    public static let runQueue = WorkflowQueue(runQueueName, workerConcurrency: 8)

    /// The registered names, as the seed spells them.
    public static let workflowNames = [
        RootOrchestrationWorkflow.name, ELTPipelineWorkflow.name, ExtractAndLoadWorkflow.name,
        ExtractAndLoadBatchWorkflow.name, CDCDetectionWorkflow.name, ApplyToLatestWorkflow.name,
        SyncToPostgresWorkflow.name, ScheduledELTTriggerWorkflow.name,
    ]

    /// Registers every pipeline workflow on `runtime`. The runtime's configuration must declare
    /// ``queue`` (its workers run the pipelines the root enqueues).
    public static func register(on runtime: WorkflowRuntime, environment: PipelineEnvironment) {
        runtime.register(RootOrchestrationWorkflow(environment: environment))
        runtime.register(ELTPipelineWorkflow(environment: environment))
        runtime.register(ExtractAndLoadWorkflow(environment: environment))
        runtime.register(ExtractAndLoadBatchWorkflow(environment: environment))
        runtime.register(CDCDetectionWorkflow(environment: environment))
        runtime.register(ApplyToLatestWorkflow(environment: environment))
        runtime.register(SyncToPostgresWorkflow(environment: environment))
        runtime.register(ScheduledELTTriggerWorkflow())
    }

    /// The default schedule of `scheduled_elt_trigger`: daily at 05:20 UTC, as the seed's.
    public static let defaultSchedule = "20 5 * * *"
}
