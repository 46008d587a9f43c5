import DurableRuntime
import DurableTesting
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Array {
    /// `transform` of each element, in order, one at a time.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}

/// Two `elt-server` processes standing for two machines: separate data directories and
/// executor ids, one Postgres for the journal, the data tables and the sync target.
@Suite("Two machines", .serialized)
struct TwoMachineTests {
    static let churn = ChurnModel(insertRate: 0.05, updateRate: 0.1, deleteRate: 0.05)

    @Test("two servers on one Postgres run snapshot 0, then snapshot 1 with churn, and sync exactly what one embedded machine syncs",
          .enabled(if: TestEnvironment.postgresURL != nil || TestEnvironment.isCI, "needs ELT_TEST_POSTGRES_URL"))
    func twoMachinesMatchOne() async throws {
        let database = try await TestDatabase.create()
        let everything = ["--system-database-url", database, "--data-database-url", database, "--sync-database-url", database]
        let common = everything + ["--schedule", "off", "--integrations", "10"]
        // Started together on an empty database: their migrations must not race.
        let one = try ServerProcess(common + ["--data-path", ELTProcess.temporaryDirectory(), "--executor-id", "machine-a"])
        let two = try ServerProcess(common + ["--data-path", ELTProcess.temporaryDirectory(), "--executor-id", "machine-b"])
        try await one.waitUntilHealthy()
        try await two.waitUntilHealthy()

        let source = GeneratorUserSource(churn: Self.churn).descriptor
        let configuration = ELTConfiguration(systemDatabaseURL: database)
        var results: [RootResult] = []
        for snapshot in 0...1 {
            let id = "fleet-\(snapshot)"
            let record = try await Self.runRoot(id: id, input: RootInput(snapshot: snapshot, source: source), configuration: configuration)
            #expect(record.status == .success, "root \(id) ended \(record.status): \(record.errorJSON ?? "")\n\(one.log)\n\(two.log)")
            results.append(try JSONDecoder().decode(RootResult.self, from: Data((record.outputJSON ?? "{}").utf8)))
        }
        let pipelines = try await ELTClient(configuration: configuration).withClient { runtime in
            try await runtime.listWorkflows(WorkflowQuery(name: ELTPipelineWorkflow.name))
        }
        #expect(pipelines.count == 20)
        #expect(Set(pipelines.compactMap(\.executorID)) == ["machine-a", "machine-b"], "both machines took pipelines")
        await one.stop()
        await two.stop()

        // The same two snapshots on one embedded machine.
        let reference = try await PipelineHarness(.sqlite, integrations: 10, source: GeneratorUserSource(churn: Self.churn))
        var expected: [RootResult] = []
        for snapshot in 0...1 {
            expected.append(try await reference.withRuntime { runtime in
                try await runtime.run(RootOrchestrationWorkflow.self, id: "one-\(snapshot)", input: RootInput(snapshot: snapshot, source: source))
            })
        }
        #expect(expected[1].cdcInserts > 0 && expected[1].cdcUpdates > 0 && expected[1].cdcDeletes > 0, "snapshot 1 churns")
        for (fleet, single) in zip(results, expected) {
            let fleetCounts: [Int] = [fleet.usersStaged, fleet.cdcInserts, fleet.cdcUpdates, fleet.cdcDeletes, fleet.latest, fleet.synced]
            let singleCounts: [Int] = [single.usersStaged, single.cdcInserts, single.cdcUpdates, single.cdcDeletes, single.latest, single.synced]
            #expect(fleetCounts == singleCounts)
        }
        let target = try PostgresSyncTarget(url: database)
        let store = try await PostgresDataStore.open(url: database)
        for integration in try await reference.integrations() {
            let synced: [SourceUser] = try await target.users(tenant: integration.tenant)
            let single: [SourceUser] = try await reference.target.users(tenant: integration.tenant)
            let latest: [SourceUser] = try await store.latestUsers(tenant: integration.tenant)
            #expect(synced == single, "\(integration.organizationID): the fleet's sync table must equal one machine's, row for row")
            #expect(latest == synced)
        }
        await target.close()
        await store.close()
    }

    @Test("a server whose data store or sync target is not the fleet's does not start, and takes no run; --rebind-stores moves the journal to it",
          .enabled(if: TestEnvironment.postgresURL != nil || TestEnvironment.isCI, "needs ELT_TEST_POSTGRES_URL"))
    func foreignStoresRefuseToStart() async throws {
        let database = try await TestDatabase.create()
        let journal = ["--system-database-url", database]
        let fleet = journal + ["--data-database-url", database, "--sync-database-url", database]
        let common = ["--schedule", "off", "--integrations", "2"]
        let ports = ["--port", "0", "--admin-port", "0"]
        let good = try ServerProcess(fleet + common + ["--data-path", ELTProcess.temporaryDirectory(), "--executor-id", "good"])
        try await good.waitUntilHealthy()
        await good.stop()
        // A run waits on the queue while no good server runs: a misconfigured one must not take it.
        let configuration = ELTConfiguration(systemDatabaseURL: database)
        let input = String(decoding: try JSONEncoder().encode(RootInput()), as: UTF8.self)
        _ = try await ELTClient(configuration: configuration).withClient { client in
            try await client.enqueue(name: RootOrchestrationWorkflow.name, inputJSON: input, id: "waiting", queue: ELTPipeline.runQueueName)
        }
        for (name, flags, says) in [
            ("private data store", journal, "this journal's workflows use the data store Postgres "),
            ("other sync schema", fleet + ["--sync-schema", "elsewhere"], "this journal's workflows use the sync target Postgres "),
        ] {
            let data = ELTProcess.temporaryDirectory()
            let run = try await ELTProcess.run(flags + common + ports + ["--data-path", data, "--executor-id", "odd"], executable: "elt-server")
            #expect(run.status != 0, "\(name)")
            #expect(run.stderr.contains(says) && run.stderr.contains("it did not start, and took no workflow")
                    && run.stderr.contains("--rebind-stores"), "\(name): \(run.stderr)")
        }
        let waiting = try await ELTClient(configuration: configuration).withClient { try await $0.existingWorkflow(id: "waiting") }
        #expect(waiting.status == .enqueued, "no misconfigured server took the run")

        // The operator moves the fleet to the other sync schema for good.
        let moved = try ServerProcess(fleet + common + ["--sync-schema", "elsewhere", "--rebind-stores", "--data-path",
                                                        ELTProcess.temporaryDirectory(), "--executor-id", "moved"])
        try await moved.waitUntilHealthy()
        let record = try await Self.waitForEnd(of: "waiting", configuration: configuration)
        #expect(record.status == .success, "\(record.errorJSON ?? "")\n\(moved.log)")
        await moved.stop()
        let back = try await ELTProcess.run(fleet + common + ports + ["--data-path", ELTProcess.temporaryDirectory(), "--executor-id", "good"],
                                            executable: "elt-server")
        #expect(back.status != 0 && back.stderr.contains("the sync target Postgres"), "the old target is now the foreign one: \(back.stderr)")
    }

    @Test("one of two servers killed with kill -9 and never restarted: the other takes over within its lease and finishes exactly",
          .enabled(if: TestEnvironment.postgresURL != nil || TestEnvironment.isCI, "needs ELT_TEST_POSTGRES_URL"))
    func killedServerIsTakenOver() async throws {
        let database = try await TestDatabase.create()
        let lease = 3
        let common = ["--system-database-url", database, "--data-database-url", database, "--sync-database-url", database,
                      "--schedule", "off", "--integrations", "10", "--source-latency-ms", "15", "--executor-lease", "\(lease)"]
        let doomed = try ServerProcess(common + ["--data-path", ELTProcess.temporaryDirectory(), "--executor-id", "doomed"])
        let survivor = try ServerProcess(common + ["--data-path", ELTProcess.temporaryDirectory(), "--executor-id", "survivor"])
        try await doomed.waitUntilHealthy()
        try await survivor.waitUntilHealthy()
        let configuration = ELTConfiguration(systemDatabaseURL: database)
        let client = ELTClient(configuration: configuration)
        let json = String(decoding: try JSONEncoder().encode(RootInput()), as: UTF8.self)
        try await client.withClient { runtime in
            _ = try await runtime.enqueue(name: RootOrchestrationWorkflow.name, inputJSON: json, id: "root", queue: ELTPipeline.runQueueName)
        }
        // Kill the doomed server while it runs pipelines.
        let deadline = ContinuousClock.now + .seconds(60)
        var doomedPipelines: [String] = []
        while doomedPipelines.isEmpty, ContinuousClock.now < deadline {
            doomedPipelines = try await client.withClient { runtime in
                try await runtime.listWorkflows(WorkflowQuery(statuses: [.pending], name: ELTPipelineWorkflow.name))
                    .filter { $0.executorID == "doomed" }.map(\.id)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!doomedPipelines.isEmpty, "the doomed server never ran a pipeline\n\(doomed.log)")
        await doomed.stop(signal: SIGKILL)
        let killed = ContinuousClock.now
        let killedAt = Int64(Date().timeIntervalSince1970 * 1000)
        let stranded = doomedPipelines

        // The survivor claims them once the lease has expired, and finishes the run.
        var takenOver: Duration?
        var root: WorkflowRecord?
        while ContinuousClock.now < killed + .seconds(lease + 60) {
            let (owners, record) = try await client.withClient { runtime in
                (try await stranded.asyncMap { try await runtime.existingWorkflow(id: $0).executorID },
                 try await runtime.existingWorkflow(id: "root"))
            }
            if takenOver == nil, owners.allSatisfy({ $0 != "doomed" }) { takenOver = ContinuousClock.now - killed }
            if record.status.isTerminal {
                root = record
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let finished = ContinuousClock.now - killed
        // The first checkpoint of the doomed pipelines' work after the kill: the survivor resumed.
        let resumedAt = try await TestDatabase.firstStepCompleted(url: database, prefixes: stranded, after: killedAt)
        let resumed = resumedAt.map { Double($0 - killedAt) / 1000 }
        print("kill -9 → the survivor owns every doomed pipeline: \(takenOver.map { "\($0)" } ?? "never"); "
              + "→ first step resumed: \(resumed.map { "\($0) seconds" } ?? "never"); → root ended: \(finished)")
        #expect(resumed != nil, "the survivor resumed the doomed pipelines' work")
        #expect(root?.status == .success, "root: \(root?.errorJSON ?? "not finished")\n\(survivor.log)")
        let claimed = try #require(takenOver)
        #expect(claimed < .seconds(lease + 15), "taken over within the lease plus 15 s")
        let store = try await PostgresDataStore.open(url: database)
        #expect(try await store.count(.latest) == 10_000)
        #expect(try await store.count(.cdc) == 10_000)
        #expect(try await store.duplicateStagingRows() == 0)
        let target = try PostgresSyncTarget(url: database)
        var synced = 0
        for integration in try await store.integrations() { synced += try await target.users(tenant: integration.tenant).count }
        #expect(synced == 10_000)
        await target.close()
        await store.close()
        await survivor.stop()
    }

    /// Enqueues the root as `elt start` does and waits for it to end.
    /// The record of workflow `id` once it has ended (or after 180 s).
    static func waitForEnd(of id: String, configuration: ELTConfiguration) async throws -> WorkflowRecord {
        try await ELTClient(configuration: configuration).withClient { runtime in
            let deadline = ContinuousClock.now + .seconds(180)
            while true {
                let record = try await runtime.existingWorkflow(id: id)
                if record.status.isTerminal || ContinuousClock.now >= deadline { return record }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    static func runRoot(id: String, input: RootInput, configuration: ELTConfiguration) async throws -> WorkflowRecord {
        let json = String(decoding: try JSONEncoder().encode(input), as: UTF8.self)
        return try await ELTClient(configuration: configuration).withClient { runtime in
            _ = try await runtime.enqueue(name: RootOrchestrationWorkflow.name, inputJSON: json, id: id, queue: ELTPipeline.runQueueName)
            let deadline = ContinuousClock.now + .seconds(180)
            while true {
                let record = try await runtime.existingWorkflow(id: id)
                if record.status.isTerminal || ContinuousClock.now >= deadline { return record }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
