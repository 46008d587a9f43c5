import DurableRuntime
import ELT
import Hummingbird

/// `GET /health`: 200 with `{"status":"ok", …}` while the journal answers, 503 otherwise.
///
/// It needs no token, for load balancers, so it shows anyone only `status`, `executor_id` and
/// `version`. The full view adds `journal` (where the journal is, without its password),
/// `journal_reachable` and `executors` (every registered executor: live, released or expired,
/// as `elt executors` lists them; empty while the journal does not answer); it answers requests
/// from loopback and those carrying the admin token.
enum HealthRoutes {
    struct Health: ResponseEncodable {
        var status: String
        var executorID: String
        /// Full view only: the journal's path, or `postgres://user@host:port/db` (no password).
        var journal: String?
        /// Full view only.
        var journalReachable: Bool?
        /// Full view only: the registered executors.
        var executors: [ExecutorView]?
        /// Full view only: the `PENDING` workflow without progress for longest, if longer than
        /// the server's `--stalled-after`; null when none.
        var stalled: StalledView?
        var version: String

        enum CodingKeys: String, CodingKey {
            case status, executorID = "executor_id", journal, journalReachable = "journal_reachable", executors, stalled
            case version
        }
    }

    /// Adds `GET /health` to `router`; `journal` is the journal's description without
    /// credentials, `adminToken` the token that also unlocks the full view.
    /// A `PENDING` workflow that has made no progress for a while.
    struct StalledView: Codable, Equatable {
        var workflowID: String
        var name: String
        var executorID: String?
        /// Its last checkpoint or status change, ISO 8601 UTC.
        var lastProgressAt: String
        /// Seconds since then.
        var stalledSeconds: Int64

        enum CodingKeys: String, CodingKey {
            case workflowID = "workflow_id", name, executorID = "executor_id", lastProgressAt = "last_progress_at"
            case stalledSeconds = "stalled_seconds"
        }
    }

    /// How long a `PENDING` workflow may go without progress before `/health` names it.
    static let defaultStalledAfter: Duration = .seconds(300)

    static func add(
        to router: Router<ServerRequestContext>, runtime: WorkflowRuntime, journal: String, adminToken: String?,
        stalledAfter: Duration = defaultStalledAfter
    ) {
        router.get("health") { request, context -> EditedResponse<Health> in
            let reachable = await journalAnswers(runtime)
            var health = Health(status: reachable ? "ok" : "unavailable", executorID: runtime.configuration.executorID,
                                version: ELTVersion.current)
            if showsFullView(request, context, adminToken: adminToken) {
                (health.journal, health.journalReachable) = (journal, reachable)
                let now = journalTimestamp()
                health.executors = reachable ? ((try? await runtime.executors()) ?? []).map { ExecutorView($0, now: now) } : []
                if reachable, let stalled = try? await runtime.oldestStalledWorkflow(threshold: stalledAfter) {
                    health.stalled = StalledView(
                        workflowID: stalled.record.id, name: stalled.record.name, executorID: stalled.record.executorID,
                        lastProgressAt: WorkflowView.iso(stalled.lastProgressAt), stalledSeconds: (now - stalled.lastProgressAt) / 1000)
                }
            }
            return EditedResponse(status: reachable ? .ok : .serviceUnavailable, response: health)
        }
    }

    /// Whether the request may see the journal's location: it comes from loopback, or carries
    /// the admin token.
    static func showsFullView(_ request: Request, _ context: ServerRequestContext, adminToken: String?) -> Bool {
        if context.isFromLoopback { return true }
        guard let adminToken else { return false }
        return BearerTokenMiddleware<ServerRequestContext>.authorizes(request, token: adminToken)
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
