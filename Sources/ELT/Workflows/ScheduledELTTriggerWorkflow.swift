import DurableRuntime
import Foundation

/// `scheduled_elt_trigger`: what the daily schedule starts (`20 5 * * *` UTC by default). It
/// runs `root_orchestration_workflow` as its child and reports both times of its tick.
public struct ScheduledELTTriggerWorkflow: Workflow {
    /// The seed's name.
    public static let name = "scheduled_elt_trigger"

    /// Creates the workflow.
    public init() {}

    /// Runs the root orchestration for this tick.
    public func run(context: WorkflowContext, input: ScheduledTime) async throws -> ScheduledRunResult {
        let result = try await context.runChild(RootOrchestrationWorkflow.self, input: RootInput())
        return ScheduledRunResult(scheduledTime: input.scheduledTime, actualTime: input.actualTime, result: result)
    }
}

/// Output of `scheduled_elt_trigger`.
public struct ScheduledRunResult: Codable, Sendable, Equatable {
    /// The tick and when it was enqueued.
    public var tick: ScheduledTime
    /// The root orchestration's totals.
    public var result: RootResult

    /// Creates a result.
    public init(scheduledTime: Date, actualTime: Date, result: RootResult) {
        self.tick = ScheduledTime(scheduledTime: scheduledTime, actualTime: actualTime)
        self.result = result
    }
}
