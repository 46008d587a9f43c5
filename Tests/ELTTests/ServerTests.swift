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

/// The real executables: `elt-server` on free ports and the `elt` client.
@Suite("elt-server and the elt client", .serialized)
struct ServerTests {
    /// A journal for servers and clients: the embedded default, or a fresh Postgres database.
    static func journalArguments(_ kind: JournalKind) async throws -> [String] {
        switch kind {
        case .sqlite: []
        case .postgres: ["--system-database-url", try await TestDatabase.create()]
        }
    }

    @Test("GET /health is 200 with the executor id and, from loopback, the journal; SIGTERM stops the server cleanly")
    func health() async throws {
        let data = ELTProcess.temporaryDirectory()
        let server = try ServerProcess(["--data-path", data, "--executor-id", "health-1", "--schedule", "off"])
        try await server.waitUntilHealthy()
        let (status, body) = try await server.get("/health")
        #expect(status == 200)
        let health = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(health["status"] as? String == "ok")
        #expect(health["executor_id"] as? String == "health-1")
        #expect(health["journal_reachable"] as? Bool == true)
        #expect(health["journal"] as? String == data + "/system.sqlite", "the full view, from loopback")
        #expect(health["version"] as? String == ELTVersion.current)
        let queues = try await server.get("/api/queues", admin: true)
        #expect(queues.status == 200 && queues.body.contains("elt_queue"))
        let bad = try await server.get("/api/workflows?limit=zero", admin: true)
        #expect(bad.status == 400 && bad.body.contains("limit=zero is invalid"), "\(bad.body)")
        let missing = try await server.get("/api/workflows/nope", admin: true)
        #expect(missing.status == 404)
        #expect(await server.stop(signal: SIGTERM) == 0, "\(server.log)")
    }

    @Test("GET /health is 503 while the journal is unreachable, and 200 again once it is back")
    func healthWhileJournalDown() async throws {
        guard TestEnvironment.postgresURL != nil || TestEnvironment.isCI else { return }
        let journalURL = try await TestDatabase.create()
        let database = try #require(URLComponents(string: journalURL)?.path.dropFirst()).description
        let server = try ServerProcess(["--data-path", ELTProcess.temporaryDirectory(), "--schedule", "off",
                                        "--integrations", "0", "--system-database-url", journalURL])
        try await server.waitUntilHealthy()
        try await TestDatabase.setConnections(database: database, allowed: false)
        var sawUnavailable = false
        for _ in 0..<40 where !sawUnavailable {
            let (status, body) = try await server.get("/health")
            sawUnavailable = status == 503 && body.contains("\"journal_reachable\":false")
            if !sawUnavailable { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(sawUnavailable, "\(server.log)")
        try await TestDatabase.setConnections(database: database, allowed: true)
        var healthyAgain = false
        for _ in 0..<120 where !healthyAgain {
            healthyAgain = (try? await server.get("/health"))?.status == 200
            if !healthyAgain { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(healthyAgain, "\(server.log)")
        await server.stop()
    }

    @Test("elt start root_orchestration_workflow brings the server to SUCCESS with the expected counts",
          arguments: JournalKind.available)
    func startRoot(kind: JournalKind) async throws {
        let data = ELTProcess.temporaryDirectory()
        let journal = try await Self.journalArguments(kind)
        // Enqueued while no server runs: the server picks it up when it starts.
        let start = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "root-1", "--data-path", data] + journal)
        #expect(start.status == 0, "\(start.stderr)")
        #expect(start.stdout.contains("root-1"))
        let server = try ServerProcess(["--data-path", data, "--schedule", "off"] + journal)
        try await server.waitUntilHealthy()
        let finished = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "root-1", "--wait", "--json", "--data-path", data] + journal)
        #expect(finished.status == 0, "\(finished.stderr)\n\(server.log)")
        let view = try #require(try JSONSerialization.jsonObject(with: Data(finished.stdout.utf8)) as? [String: Any])
        #expect(view["status"] as? String == "SUCCESS")
        let output = try #require(view["output"] as? [String: Any])
        #expect(output["integrations"] as? Int == 2)
        #expect(output["users_staged"] as? Int == 2_000)
        #expect(output["cdc_inserts"] as? Int == 2_000)
        #expect(output["latest"] as? Int == 2_000)
        #expect(output["synced"] as? Int == 2_000)
        // The seed client's verbs.
        let status = try await ELTProcess.run(["status", "root-1", "--data-path", data] + journal)
        #expect(status.stdout.contains("SUCCESS"))
        let list = try await ELTProcess.run(["list", "status=SUCCESS", "name=elt_pipeline_workflow", "limit=10", "--data-path", data] + journal)
        #expect(list.stdout.split(separator: "\n").count == 3, "\(list.stdout)")
        let steps = try await ELTProcess.run(["steps", "root-1", "--data-path", data] + journal)
        #expect(steps.stdout.contains("load_connected_integrations"))
        await server.stop()
    }

    @Test("GET /metrics counts the HTTP source's retried requests by status")
    func sourceRetriesInMetrics() async throws {
        try await TestUserAPI.withRunning(baseCount: 25) { api in
            let data = ELTProcess.temporaryDirectory()
            let add = try await ELTProcess.run(["integrations", "add", "--organization", "acme", "--provider", "okta",
                                                "--endpoint", "http://127.0.0.1:\(api.port)/users", "--data-path", data])
            #expect(add.status == 0, "\(add.stderr)")
            api.script(.status(503, body: "busy"), .status(503, body: "busy"), .status(429, body: "slow down"))
            let server = try ServerProcess(["--data-path", data, "--schedule", "off", "--integrations", "0", "--source", "http"])
            try await server.waitUntilHealthy()
            let run = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "flap", "--wait", "--json", "--data-path", data])
            #expect(run.status == 0, "\(run.stderr)\n\(server.log)")
            let (status, body) = try await server.get("/metrics")
            #expect(status == 200)
            #expect(body.contains(#"elt_source_request_retries_total{status="503"} 2"#), "\(body)")
            #expect(body.contains(#"elt_source_request_retries_total{status="429"} 1"#), "\(body)")
            await server.stop()
        }
    }

    @Test("GET /metrics after two runs: the pipeline's counters equal the runs' results, workflows and steps are counted by name, no label holds an id")
    func metricsMatchTheRuns() async throws {
        let data = ELTProcess.temporaryDirectory()
        let server = try ServerProcess(["--data-path", data, "--schedule", "off", "--integrations", "2"])
        try await server.waitUntilHealthy()
        var totals: [String: Int] = [:]
        for (id, snapshot) in [("metrics-0", "0"), ("metrics-1", "1")] {
            let run = try await ELTProcess.run(["start", "root_orchestration_workflow", "snapshot=\(snapshot)", "--id", id, "--wait", "--json", "--data-path", data])
            #expect(run.status == 0, "\(run.stderr)\n\(server.log)")
            let view = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let output = try #require(view["output"] as? [String: Any])
            for key in ["users_staged", "quarantined", "cdc_inserts", "cdc_updates", "cdc_deletes", "synced", "integrations"] {
                totals[key, default: 0] += output[key] as? Int ?? -1_000_000
            }
        }
        #expect(totals["cdc_updates", default: 0] > 0 && totals["cdc_deletes", default: 0] > 0, "snapshot 1 changes users: \(totals)")
        let (status, body) = try await server.get("/metrics")
        #expect(status == 200)
        var series: [String: Double] = [:]
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            series[String(line[..<space])] = value
        }
        func value(_ key: String) -> Int { Int(series[key] ?? -1) }
        #expect(value("elt_users_staged_total") == totals["users_staged"])
        #expect(value("elt_users_quarantined_total") == totals["quarantined"])
        #expect(value(#"elt_cdc_changes_total{change="insert"}"#) == totals["cdc_inserts"])
        #expect(value(#"elt_cdc_changes_total{change="update"}"#) == totals["cdc_updates"])
        #expect(value(#"elt_cdc_changes_total{change="delete"}"#) == totals["cdc_deletes"])
        #expect(value(#"elt_users_synced_total{change="upsert"}"#) + value(#"elt_users_synced_total{change="delete"}"#) == totals["synced"])
        #expect(value(#"durable_workflows_finished_total{workflow="elt_pipeline_workflow",status="SUCCESS"}"#) == totals["integrations"])
        #expect(value(#"durable_workflows_finished_total{workflow="root_orchestration_workflow",status="SUCCESS"}"#) == 2)
        #expect(value(#"durable_workflows_enqueued_total{queue="elt_queue"}"#) == totals["integrations"])
        #expect(value(#"durable_queue_wait_seconds_count{queue="elt_queue"}"#) == totals["integrations"])
        #expect(value(#"durable_queue_depth{queue="elt_queue",status="ENQUEUED"}"#) == 0)
        #expect(value(#"durable_step_duration_seconds_count{step="detect_changes",outcome="ok"}"#) == totals["integrations"])
        #expect(value("durable_journal_commit_seconds_count") > 0 && value("durable_journal_commit_writes_sum") >= value("durable_journal_commit_seconds_count"))
        #expect(!body.contains("metrics-0") && !body.contains("metrics-1"), "no workflow id in a label")
        // Every family says what it counts: a `# HELP` line right before its `# TYPE` line.
        let lines = body.split(separator: "\n").map(String.init)
        let types = lines.indices.filter { lines[$0].hasPrefix("# TYPE ") }
        #expect(types.count >= 10, "\(body)")
        for index in types {
            let name = lines[index].split(separator: " ")[2]
            #expect(index > 0 && lines[index - 1].hasPrefix("# HELP \(name) ") && lines[index - 1].count > "# HELP \(name) ".count + 10,
                    "no help for \(name)")
        }
        await server.stop()
    }

    @Test("kill -9 mid-run, then a restart: the run completes with the exact state and no duplicate staging rows",
          arguments: JournalKind.available)
    func killAndRestart(kind: JournalKind) async throws {
        let data = ELTProcess.temporaryDirectory()
        let journal = try await Self.journalArguments(kind)
        // 600 ms per batch (a batch's pages are fetched together): ten batches take at least 6 s.
        // The poll asks the server's admin API, a few milliseconds a call: an `elt list` process
        // per poll took seconds while the whole suite ran 12 tests at a time, and CI once saw the
        // run end before the kill.
        let arguments = ["--data-path", data, "--schedule", "off", "--executor-id", "killed", "--source-latency-ms", "600"] + journal
        let first = try ServerProcess(arguments)
        try await first.waitUntilHealthy()
        let start = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "root-k", "--data-path", data] + journal)
        #expect(start.status == 0, "\(start.stderr)")
        // Kill once some batches are staged, well before the end.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let list = try await first.get("/api/workflows?name=extract_and_load_batch_workflow&status=SUCCESS", admin: true)
            let object = try? JSONSerialization.jsonObject(with: Data(list.body.utf8)) as? [String: Any]
            let done = (object?["workflows"] as? [Any])?.count ?? 0
            if done >= 3 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(await first.stop(signal: SIGKILL) == SIGKILL)
        let store = try StoreActor(path: data + "/data.sqlite")
        let stagedAtKill = try await store.count(.staging)
        #expect(stagedAtKill > 0 && stagedAtKill < 2_000, "killed at \(stagedAtKill) staged rows")

        let second = try ServerProcess(arguments)
        try await second.waitUntilHealthy()
        let finished = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "root-k", "--wait", "--json", "--data-path", data] + journal)
        #expect(finished.status == 0, "\(finished.stderr)\n\(second.log)")
        let view = try #require(try JSONSerialization.jsonObject(with: Data(finished.stdout.utf8)) as? [String: Any])
        let output = try #require(view["output"] as? [String: Any])
        #expect(output["users_staged"] as? Int == 2_000)
        #expect(output["latest"] as? Int == 2_000)
        #expect(output["synced"] as? Int == 2_000)
        #expect(try await store.count(.staging) == 2_000)
        #expect(try await store.duplicateStagingRows() == 0)
        #expect(try await store.count(.latest) == 2_000)
        await second.stop()
    }

    @Test("two servers on one Postgres journal hold the queue limit and run every pipeline once")
    func twoServers() async throws {
        guard TestEnvironment.postgresURL != nil || TestEnvironment.isCI else { return }
        let data = ELTProcess.temporaryDirectory()
        let journal = try await Self.journalArguments(.postgres)
        let common = ["--data-path", data, "--schedule", "off", "--integrations", "12", "--source-latency-ms", "2"] + journal
        let one = try ServerProcess(common + ["--executor-id", "server-1"])
        let two = try ServerProcess(common + ["--executor-id", "server-2"])
        try await one.waitUntilHealthy()
        try await two.waitUntilHealthy()
        let start = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "root-2", "--data-path", data] + journal)
        #expect(start.status == 0, "\(start.stderr)")
        // Sample the queue while it runs: never more than 5 pipelines PENDING at once.
        var highest = 0
        var finished = false
        let deadline = ContinuousClock.now + .seconds(120)
        while !finished, ContinuousClock.now < deadline {
            let queues = try await one.get("/api/queues", admin: true).body
            let object = try JSONSerialization.jsonObject(with: Data(queues.utf8)) as? [String: Any]
            for queue in object?["queues"] as? [[String: Any]] ?? [] where queue["name"] as? String == "elt_queue" {
                highest = max(highest, (queue["depth"] as? [String: Int])?["PENDING"] ?? 0)
            }
            let root = try await one.get("/api/workflows/root-2", admin: true).body
            finished = root.contains("\"SUCCESS\"") || root.contains("\"ERROR\"")
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(finished, "\(one.log)\n\(two.log)")
        #expect(highest <= 5)
        #expect(highest >= 2, "the sampler saw the pipelines run")
        let list = try await ELTProcess.run(["list", "name=elt_pipeline_workflow", "--json", "--data-path", data] + journal)
        let pipelines = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(pipelines.count == 12)
        #expect(pipelines.allSatisfy { $0["status"] as? String == "SUCCESS" })
        #expect(Set(pipelines.compactMap { $0["executor_id"] as? String }) == ["server-1", "server-2"], "both servers took pipelines")
        let store = try StoreActor(path: data + "/data.sqlite")
        #expect(try await store.count(.staging) == 12_000)
        #expect(try await store.duplicateStagingRows() == 0)
        #expect(try await store.count(.latest) == 12_000)
        await one.stop()
        await two.stop()
    }

    @Test("a seconds-level cron fires once per tick with two servers running")
    func cronWithTwoServers() async throws {
        guard TestEnvironment.postgresURL != nil || TestEnvironment.isCI else { return }
        let data = ELTProcess.temporaryDirectory()
        let journal = try await Self.journalArguments(.postgres)
        // No integrations: each tick's root orchestration is quick.
        let common = ["--data-path", data, "--schedule", "* * * * * *", "--integrations", "0"] + journal
        let one = try ServerProcess(common + ["--executor-id", "cron-1"])
        let two = try ServerProcess(common + ["--executor-id", "cron-2"])
        try await one.waitUntilHealthy()
        try await two.waitUntilHealthy()
        let started = Date()
        try await Task.sleep(for: .seconds(5))
        await one.stop()
        await two.stop()
        let elapsed = Date().timeIntervalSince(started) + 2
        let list = try await ELTProcess.run(["list", "name=scheduled_elt_trigger", "limit=1000", "--json", "--data-path", data] + journal)
        let ticks = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(ticks.count >= 3, "\(one.log)\n\(two.log)")
        #expect(Double(ticks.count) <= elapsed + 3, "no more ticks than seconds")
        let scheduled = ticks.compactMap { ($0["input"] as? [String: Any])?["scheduled_time"] as? String }
        #expect(scheduled.count == ticks.count)
        #expect(Set(scheduled).count == ticks.count, "each tick once")
        #expect(ticks.allSatisfy { ($0["workflow_id"] as? String)?.hasPrefix("sched-scheduled_elt_trigger-") == true })
        for tick in ticks where tick["status"] as? String == "SUCCESS" {
            let output = try #require(tick["output"] as? [String: Any])
            let times = try #require(output["tick"] as? [String: Any])
            #expect(times["scheduled_time"] as? String == (tick["input"] as? [String: Any])?["scheduled_time"] as? String)
            #expect(times["actual_time"] != nil)
        }
        // Each tick ran its root orchestration once.
        let roots = try await ELTProcess.run(["list", "name=root_orchestration_workflow", "limit=1000", "--json", "--data-path", data] + journal)
        let rootList = try #require(try JSONSerialization.jsonObject(with: Data(roots.stdout.utf8)) as? [[String: Any]])
        let parents = rootList.compactMap { $0["parent_id"] as? String }
        #expect(Set(parents).count == parents.count)
        #expect(Set(parents).isSubset(of: Set(ticks.compactMap { $0["workflow_id"] as? String })))
    }

    @Test("elt-server --help says /health listens on loopback, how to expose it, and what each view shows")
    func hostHelp() async throws {
        let help = try await ELTProcess.run(["--help"], executable: "elt-server")
        #expect(help.status == 0)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("--host <host> Address of GET /health. Use 0.0.0.0 to expose it to a load balancer. (default: 127.0.0.1)"), "\(help.stdout)")
        #expect(text.contains("from anywhere else only status, executor_id and version"), "\(help.stdout)")
    }

    @Test("a second process with a live executor id is refused naming the holder; another id runs beside it")
    func executorIDLeased() async throws {
        let data = ELTProcess.temporaryDirectory()
        let server = try ServerProcess(["--data-path", data, "--schedule", "off", "--integrations", "1"])
        try await server.waitUntilHealthy()
        let refused = try await ELTProcess.run(["run", "--integrations", "1", "--data-path", data])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("executor id 'local' is held by pid \(server.process.processIdentifier)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--executor-id"))
        // A second server is refused the same way, before either HTTP server listens: the
        // refusal is all it prints after its banner.
        let refusedServer = try await ELTProcess.run(
            ["--data-path", data, "--schedule", "off", "--port", "0", "--admin-port", "0"], executable: "elt-server")
        #expect(refusedServer.status != 0)
        #expect(refusedServer.stderr.contains("executor id 'local' is held by pid \(server.process.processIdentifier)"), "\(refusedServer.stderr)")
        let output = refusedServer.stdout + refusedServer.stderr
        #expect(!output.contains("listening") && !output.contains("HummingbirdCore") && !output.contains("CancellationError"), "\(output)")
        let beside = try await ELTProcess.run(["run", "--json", "--integrations", "1", "--data-path", data, "--executor-id", "one-shot"])
        #expect(beside.status == 0, "\(beside.stderr)")
        let executors = try await ELTProcess.run(["executors", "--json", "--data-path", data])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(executors.stdout.utf8)) as? [[String: Any]])
        #expect(rows.compactMap { $0["executor_id"] as? String }.sorted() == ["local", "one-shot"])
        #expect(rows.first { $0["executor_id"] as? String == "local" }?["state"] as? String == "live")
        let health = try await server.get("/health").body
        #expect(health.contains("\"executors\":[") && health.contains("\"state\":\"live\""), "loopback sees the executors: \(health)")
        await server.stop()
        let after = try await ELTProcess.run(["executors", "--json", "--data-path", data])
        let stopped = try #require(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [[String: Any]])
        #expect(stopped.first { $0["executor_id"] as? String == "local" }?["state"] as? String == "released",
                "SIGTERM releases the lease")
    }

    @Test("bad client input gets a clear error and a non-zero exit")
    func badClientInput() async throws {
        let data = ["--data-path", ELTProcess.temporaryDirectory()]
        let cases: [([String], String)] = [
            (["start", "nope"], "unknown workflow 'nope'; the workflows you can start are: root_orchestration_workflow"),
            (["start", "elt_pipeline_workflow", "organization_id=org-001"], "needs connected_integration_id"),
            (["start", "root_orchestration_workflow", "num_batches=ten"], "num_batches=ten is invalid: expected a whole number"),
            (["start", "root_orchestration_workflow", "colour=blue"], "has no parameter 'colour'; its parameters are: num_batches"),
            (["start", "root_orchestration_workflow", "oops"], "is not key=value"),
            (["list", "colour=blue"], "unknown filter 'colour'"),
            (["list", "status=DONE"], "status=DONE is invalid"),
            (["status", "no-such-id"], "no-such-id"),
            (["fork", "x", "--step", "0"], "--step must be 1 or more"),
        ]
        for (arguments, message) in cases {
            let run = try await ELTProcess.run(arguments + data)
            #expect(run.status != 0, "elt \(arguments.joined(separator: " ")) exited 0")
            #expect(run.stderr.contains(message), "elt \(arguments.joined(separator: " ")): \(run.stderr)")
        }
        let server = try await ELTProcess.run(["--admin-host", "0.0.0.0"], executable: "elt-server")
        #expect(server.status != 0)
        #expect(server.stderr.contains("without a token"), "\(server.stderr)")
        let cron = try await ELTProcess.run(["--schedule", "61 * * * *"], executable: "elt-server")
        #expect(cron.status != 0)
        #expect(cron.stderr.contains("is not a cron expression"), "\(cron.stderr)")
    }

    @Test("elt-server --source http: a run enqueued with elt start, and a scheduled one, load the users of each integration's api_endpoint")
    func sourceHTTP() async throws {
        try await TestUserAPI.withRunning(baseCount: 25) { api in
            let data = ELTProcess.temporaryDirectory()
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let store = try StoreActor(path: data + "/data.sqlite")
            #expect(try await store.seedIntegrations([api.integration()]) == 1)
            await store.close()
            // Enqueued while no server runs, with no source of its own: the server decides.
            let start = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "root-http", "--data-path", data])
            #expect(start.status == 0, "\(start.stderr)")
            let server = try ServerProcess(["--data-path", data, "--integrations", "0", "--source", "http", "--schedule", "*/10 * * * * *"])
            try await server.waitUntilHealthy()
            func output(of id: String) async throws -> [String: Any]? {
                let (status, body) = try await server.get("/api/workflows/\(id)", admin: true)
                guard status == 200, let view = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return nil }
                #expect(view["status"] as? String != "ERROR", "\(body)\n\(server.log)")
                return view["status"] as? String == "SUCCESS" ? view["output"] as? [String: Any] : nil
            }
            var root: [String: Any]?
            let deadline = ContinuousClock.now + .seconds(60)
            while root == nil, ContinuousClock.now < deadline {
                root = try await output(of: "root-http")
                if root == nil { try await Task.sleep(for: .milliseconds(200)) }
            }
            let result = try #require(root, "root-http did not succeed:\n\(server.log)")
            #expect(result["integrations"] as? Int == 1)
            #expect(result["users_staged"] as? Int == 25, "the API's 25 users, not the generator's 1,000")
            #expect(result["latest"] as? Int == 25)
            #expect(api.requests.contains { $0.path == "/users" })
            let steps = try await ELTProcess.run(["steps", "root-http", "--data-path", data])
            #expect(steps.stdout.contains("resolve_source"), "\(steps.stdout)")
            // A tick of the schedule reads the API too.
            var scheduled: [String: Any]?
            while scheduled == nil, ContinuousClock.now < deadline {
                let list = try await ELTProcess.run(["list", "name=scheduled_elt_trigger", "status=SUCCESS", "--json", "--data-path", data])
                let rows = (try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? []
                if let id = rows.first?["workflow_id"] as? String ?? rows.first?["id"] as? String {
                    scheduled = try await output(of: id)
                } else {
                    try await Task.sleep(for: .milliseconds(300))
                }
            }
            let tick = try #require(scheduled, "no scheduled run succeeded:\n\(server.log)")
            let tickResult = try #require(tick["result"] as? [String: Any], "\(tick)")
            #expect(tickResult["users_staged"] as? Int == 25, "\(tick)")
            #expect(server.log.contains("source=http"), "the start-up line names the source")
            await server.stop()
        }
    }
}
