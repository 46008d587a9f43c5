import DurableRuntime
import DurableTesting
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Testing

/// A pipeline on a temporary journal, data store and sync target: SQLite files for the
/// `.sqlite` kind; a Postgres journal schema, data schema and sync schema for `.postgres`.
struct PipelineHarness {
    let kind: JournalKind
    let journal: TemporaryJournal
    let directory: URL
    let store: any DataStore
    let target: any SyncTarget
    var source: any UserSource
    var failures: FailureSimulation
    var retries: PipelineRetries
    let gauge = LiveRecordGauge()
    /// A target the pipeline syncs to instead of ``target`` (a wrapper that injects faults).
    var syncTargetOverride: (any SyncTarget)?
    /// How long a sync waits out an unreachable target.
    var syncRetry = SyncRetryPolicy.default
    /// The environment's data store stamp (nil: no check, as before stamps).
    var dataStoreStamp: DataStoreStamp?
    /// The environment's sync target stamp (nil: no check).
    var syncTargetStamp: DataStoreStamp?

    init(_ kind: JournalKind, integrations: Int = 2, source: any UserSource = GeneratorUserSource(),
         failures: FailureSimulation = .none, retries: PipelineRetries = .seed(intervalScale: 0.001)) async throws {
        self.kind = kind
        journal = try TemporaryJournal(kind)
        let token = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("elt-test-\(token)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try await TestDataStores.make(kind)
        try await store.seedIntegrations(ConnectedIntegration.seeded(count: integrations))
        switch kind {
        case .sqlite:
            target = try SQLiteSyncTarget(path: directory.appendingPathComponent("main.sqlite").path)
        case .postgres:
            let url = try #require(TestEnvironment.postgresURL, "Postgres tests need ELT_TEST_POSTGRES_URL (scripts/test.sh starts one)")
            target = try PostgresSyncTarget(url: url, schema: "s_\(token)")
        }
        try await target.prepare()
        self.source = source
        self.failures = failures
        self.retries = retries
    }

    var environment: PipelineEnvironment {
        var environment = PipelineEnvironment(
            store: store, source: source, syncTarget: syncTargetOverride ?? target, failures: failures, retries: retries,
            gauge: gauge, syncRetry: syncRetry)
        environment.dataStoreStamp = dataStoreStamp
        environment.syncTargetStamp = syncTargetStamp
        return environment
    }

    /// A runtime on the harness's journal with the pipeline registered (a new backend each time).
    func makeRuntime(interceptor: (any WorkflowInterceptor)? = nil) throws -> WorkflowRuntime {
        let runtime = WorkflowRuntime(
            backend: try journal.open(),
            configuration: RuntimeConfiguration(queues: [ELTPipeline.queue], queuePollInterval: .milliseconds(100),
                                                resultPollInterval: .milliseconds(20)),
            interceptor: interceptor)
        ELTPipeline.register(on: runtime, environment: environment)
        return runtime
    }

    /// Runs `body` on a fresh runtime.
    func withRuntime<T: Sendable>(_ body: @Sendable (WorkflowRuntime) async throws -> T) async throws -> T {
        try await makeRuntime().withRunning(body)
    }

    func integrations() async throws -> [ConnectedIntegration] {
        try await store.integrations()
    }

    /// The input of a default pipeline for `integration`.
    static func pipelineInput(_ integration: ConnectedIntegration, snapshot: Int? = nil, numBatches: Int? = nil,
                              batchSize: Int? = nil, pageSize: Int? = nil) -> PipelineInput {
        PipelineInput(organizationID: integration.organizationID, connectedIntegrationID: integration.id,
                      numBatches: numBatches, batchSize: batchSize, pageSize: pageSize, snapshot: snapshot)
    }

    /// Row counts of every table, for one tenant, and the target's users.
    func snapshotCounts(_ tenant: Tenant) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in DataTable.allCases { counts[table.rawValue] = try await store.count(table, tenant: tenant) }
        counts["target"] = try await target.users(tenant: tenant).count
        return counts
    }
}
