import DurableRuntime
import ELT
import Foundation
import Logging

/// Logs how each pipeline run (`root_orchestration_workflow`) that executed in this server
/// ended: `notice` with its counts on SUCCESS, `error` with its message on ERROR. Without it an
/// operator who reads only the server's log never learnt that a run failed (the tenants' own
/// failures are recorded in the journal, not logged). An execution that stopped without an
/// outcome (shutdown, crash, takeover) logs nothing here; it is resumed.
struct RunOutcomeLog: WorkflowInterceptor {
    let logger: Logger

    func interceptWorkflow(_ execution: WorkflowExecution, _ body: () async throws -> WorkflowRecord?) async throws -> WorkflowRecord? {
        let finished = try await body()
        guard execution.workflowName == RootOrchestrationWorkflow.name, let finished else { return finished }
        switch finished.status {
        case .success:
            var metadata: Logger.Metadata = ["workflow_id": "\(finished.id)"]
            if let text = finished.outputJSON, let result = try? JSONDecoder().decode(RootResult.self, from: Data(text.utf8)) {
                metadata["integrations"] = "\(result.integrations)"
                metadata["users_staged"] = "\(result.usersStaged)"
                metadata["applied"] = "\(result.applied)"
                metadata["synced"] = "\(result.synced)"
            }
            logger.notice("pipeline run finished", metadata: metadata)
        case .error:
            let recorded = finished.errorJSON.flatMap { try? JSONDecoder().decode(RecordedError.self, from: Data($0.utf8)) }
            logger.error("pipeline run failed; elt status shows it, elt list parent=<id> status=ERROR its failed pipelines", metadata: [
                "workflow_id": "\(finished.id)", "error": "\(recorded?.message ?? finished.errorJSON ?? "unknown")",
            ])
        default:
            break
        }
        return finished
    }
}
