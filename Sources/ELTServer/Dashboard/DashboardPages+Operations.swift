import DurableRuntime
import ELT
import Foundation

/// The queues, executors and tenants pages.
extension DashboardPages {
    // MARK: Queues

    struct QueueRow {
        var name: String
        var globalLimit: String
        var workerLimit: String
        var enqueued: Int
        var pending: Int
        var oldestID: String
        var oldestName: String
        var oldestPath: String?
        var waited: String
    }

    struct QueuesPage { var queues: [QueueRow] }

    func queues() async throws -> QueuesPage {
        let now = journalTimestamp()
        return QueuesPage(queues: try await client.queueStatistics().map { statistics in
            let oldest = statistics.oldestEnqueued
            return QueueRow(
                name: statistics.queue.name, globalLimit: statistics.queue.globalConcurrency.map(String.init) ?? "none",
                workerLimit: statistics.queue.workerConcurrency.map(String.init) ?? "none", enqueued: statistics.enqueued,
                pending: statistics.pending, oldestID: oldest?.id ?? "", oldestName: oldest?.name ?? "",
                oldestPath: oldest.map { DashboardRoutes.pathSegment($0.id) },
                waited: oldest.map { Timeline.duration(max(0, now - $0.createdAt)) } ?? "—")
        })
    }

    // MARK: Executors

    struct Running {
        var runningID: String
        var runningPath: String
    }

    struct ExecutorRow {
        var executorID: String
        var state: String
        var host: String
        var pid: Int
        var version: String
        var started: String
        var leaseExpiry: String
        var running: [Running]
        var moreRunning: Int?
    }

    struct ExecutorsPage { var executors: [ExecutorRow] }

    /// The most running workflows listed per executor, and read in all.
    static let runningShown = 20
    static let runningRead = 2_000

    func executors() async throws -> ExecutorsPage {
        let now = journalTimestamp()
        let pending = try await client.listWorkflows(WorkflowQuery(statuses: [.pending], limit: Self.runningRead, order: .ascending))
        let byExecutor = Dictionary(grouping: pending) { $0.executorID ?? "" }
        return ExecutorsPage(executors: try await client.executors().map { info in
            let view = ExecutorView(info, now: now)
            let running = byExecutor[info.executorID] ?? []
            let expiry = view.leaseExpiresAt.map {
                $0.replacingOccurrences(of: "T", with: " ") + " (" + (view.leaseSecondsLeft >= 0 ? "in \(view.leaseSecondsLeft) s" : "\(-view.leaseSecondsLeft) s ago") + ")"
            }
            return ExecutorRow(
                executorID: view.executorID, state: view.state, host: view.host, pid: view.pid, version: view.applicationVersion,
                started: view.startedAt.replacingOccurrences(of: "T", with: " "), leaseExpiry: expiry ?? "released",
                running: running.prefix(Self.runningShown).map { Running(runningID: $0.id, runningPath: DashboardRoutes.pathSegment($0.id)) },
                moreRunning: running.count > Self.runningShown ? running.count - Self.runningShown : nil)
        })
    }

    // MARK: Tenants

    struct Quarantined {
        var `where`: String
        var reason: String
    }

    struct TenantRow {
        var organization: String
        var provider: String
        var integrationID: String
        var latestUsers: Int
        var runID: String
        var runPath: String?
        var status: String
        var statusClass: String
        var runWhen: String
        var inserts: String
        var updates: String
        var deletes: String
        var quarantine: Bool
        var quarantineCount: String
        var records: [Quarantined]
    }

    struct TenantsPage {
        var hasStore: Bool
        var tenants: [TenantRow]
        var tenantsTruncated: Bool
        var tenantLimit = DashboardPages.tenantLimit
    }

    /// The most integrations shown, pipeline runs searched for their last run, and quarantined
    /// records listed per tenant (the newest).
    static let tenantLimit = 200
    static let pipelineRunsRead = 2_000
    static let quarantineShown = 20

    func tenants() async throws -> TenantsPage {
        guard let store else { return TenantsPage(hasStore: false, tenants: [], tenantsTruncated: false) }
        let integrations = try await store.integrations(after: nil, limit: Self.tenantLimit + 1)
        // The newest pipeline run of each tenant, by the tenant its input names.
        var lastRun: [Tenant: WorkflowRecord] = [:]
        let runs = try await client.listWorkflows(WorkflowQuery(name: ELTPipelineWorkflow.name, limit: Self.pipelineRunsRead))
        for run in runs {
            guard let input = try? JSONDecoder().decode(PipelineInput.self, from: Data(run.inputJSON.utf8)) else { continue }
            let tenant = Tenant(organizationID: input.organizationID, connectedIntegrationID: input.connectedIntegrationID)
            if lastRun[tenant] == nil { lastRun[tenant] = run }
        }
        var rows: [TenantRow] = []
        for integration in integrations.prefix(Self.tenantLimit) {
            let tenant = Tenant(organizationID: integration.organizationID, connectedIntegrationID: integration.id)
            let run = lastRun[tenant]
            let result = run?.outputJSON.flatMap { try? JSONDecoder().decode(PipelineResult.self, from: Data($0.utf8)) }
            let quarantined = try await store.quarantined(tenant: tenant)
            rows.append(TenantRow(
                organization: integration.organizationID, provider: integration.provider, integrationID: integration.id,
                latestUsers: try await store.count(.latest, tenant: tenant, runID: nil),
                runID: run?.id ?? "", runPath: run.map { DashboardRoutes.pathSegment($0.id) },
                status: run?.status.rawValue ?? "", statusClass: run?.status.rawValue.lowercased() ?? "",
                runWhen: run.map { Self.time($0.updatedAt) } ?? "",
                inserts: result.map { String($0.cdc.inserts) } ?? "—", updates: result.map { String($0.cdc.updates) } ?? "—",
                deletes: result.map { String($0.cdc.deletes) } ?? "—",
                quarantine: !quarantined.isEmpty,
                quarantineCount: quarantined.count > Self.quarantineShown ? "\(quarantined.count) (the newest \(Self.quarantineShown))" : "\(quarantined.count)",
                records: quarantined.suffix(Self.quarantineShown).reversed().map {
                    Quarantined(where: "page \($0.page) #\($0.position)" + ($0.userID.map { " user \($0)" } ?? ""), reason: $0.reason)
                }))
        }
        return TenantsPage(hasStore: true, tenants: rows, tenantsTruncated: integrations.count > Self.tenantLimit)
    }
}
