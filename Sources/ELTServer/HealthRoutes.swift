import DurableRuntime
import ELT
import Hummingbird

/// `GET /health`: 200 with `{"status":"ok", …}` while the journal answers, 503 otherwise.
enum HealthRoutes {
    struct Health: ResponseEncodable {
        var status: String
        var executorID: String
        var journal: String
        var journalReachable: Bool
        var version: String

        enum CodingKeys: String, CodingKey {
            case status, executorID = "executor_id", journal, journalReachable = "journal_reachable", version
        }
    }

    static func add(to router: Router<ServerRequestContext>, runtime: WorkflowRuntime, journal: String) {
        router.get("health") { _, _ -> EditedResponse<Health> in
            let reachable = await journalAnswers(runtime)
            let health = Health(status: reachable ? "ok" : "unavailable", executorID: runtime.configuration.executorID,
                                journal: journal, journalReachable: reachable, version: ELTVersion.current)
            return EditedResponse(status: reachable ? .ok : .serviceUnavailable, response: health)
        }
    }

    /// Whether a one-row read of the journal answers within 2 seconds.
    static func journalAnswers(_ runtime: WorkflowRuntime) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await runtime.listWorkflows(WorkflowQuery(limit: 1))) != nil }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
