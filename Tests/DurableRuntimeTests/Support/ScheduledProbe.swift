import DurableRuntime
import DurableTesting
import Foundation

/// A scheduled workflow that counts each run under its scheduled time and returns its input.
struct ScheduledProbe: Workflow {
    static let name = "scheduled_probe"
    let effects: SideEffects

    func run(context: WorkflowContext, input: ScheduledTime) async throws -> ScheduledTime {
        try await context.step("record") {
            effects.record("tick \(input.scheduledTime.formatted(.iso8601))")
        }
        return input
    }
}
