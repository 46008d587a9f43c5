import DurableRuntime
import DurableTesting
import ELT
import ELTApp
import ELTSQLite
import Foundation
import Testing

/// Runs the built `elt` executable (next to the test bundle in the build directory).
struct ELTProcess {
    static var executable: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On Linux the test binary is `<build>/debug/<package>PackageTests.xctest`.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("elt").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("elt")
    }

    /// Runs `elt` (or another executable of the build, or one at an absolute path) with
    /// `arguments` and an environment without the pipeline's variables, and
    /// waits for it on a thread of its own: a blocking wait on the cooperative pool (two threads
    /// on a 2-core CI machine) would stall every other test's sleeps and servers meanwhile.
    static func run(_ arguments: [String], environment extra: [String: String] = [:], executable name: String = "elt") async throws
        -> (status: Int32, stdout: String, stderr: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try runBlocking(arguments, environment: extra, executable: name) })
            }.start()
        }
    }

    /// `run`, blocking the calling thread until the process ends.
    private static func runBlocking(_ arguments: [String], environment extra: [String: String], executable name: String) throws
        -> (status: Int32, stdout: String, stderr: String) {
        let path = name.hasPrefix("/") ? name : executable.deletingLastPathComponent().appendingPathComponent(name).path
        var environment = ProcessInfo.processInfo.environment
        for name in ["ELT_SYSTEM_DATABASE_URL", "DBOS_DATABASE_URL", "ELT_SYNC_DATABASE_URL", "ELT_DATA_PATH"] { environment[name] = nil }
        environment.merge(extra) { $1 }
        return try ChildProcess.run(executable: path, arguments: arguments, environment: environment)
    }

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("elt-cli-\(UUID().uuidString)").path
    }
}

@Suite("elt run")
struct RunCommandTests {
    @Test("running a workflow id that already finished reports the recorded result and the original run's time, not this command's")
    func rerunFinishedID() async throws {
        let directory = ELTProcess.temporaryDirectory()
        // Ten batches, each fetching its ten pages at once, at 200 ms a page: the first run takes at least 2 s.
        let arguments = ["run", "--json", "--integrations", "1", "--source-latency-ms", "200", "--data-path", directory,
                         "--workflow-id", "once"]
        let first = try await ELTProcess.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        let original = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let again = try await ELTProcess.run(arguments)
        #expect(again.status == 0, "\(again.stderr)")
        let repeated = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        #expect(original["already_finished"] as? Bool == false)
        #expect(repeated["already_finished"] as? Bool == true)
        #expect(repeated["users_staged"] as? Int == original["users_staged"] as? Int)
        let seconds = try #require(repeated["seconds"] as? Double)
        let originalSeconds = try #require(original["seconds"] as? Double)
        #expect(seconds >= 1.5 && seconds <= originalSeconds + 1, "\(seconds) against the original \(originalSeconds)")

        let human = try await ELTProcess.run(arguments.filter { $0 != "--json" })
        #expect(human.status == 0, "\(human.stderr)")
        #expect(human.stdout.contains("(the original run's: this workflow id had already finished, so nothing ran now)"), "\(human.stdout)")
        #expect(again.stderr.contains("note: workflow once finished already"), "\(again.stderr)")
        #expect(!again.stderr.contains("options given differ"), "the same options are not called different: \(again.stderr)")

        // Other options under the same id: said, with the recorded input that runs instead.
        let other = try await ELTProcess.run(arguments + ["--page-size", "5"])
        #expect(other.status == 0, "\(other.stderr)")
        #expect(other.stderr.contains("note: the options given differ from the input workflow once was started with, and are ignored"),
                "\(other.stderr)")
        #expect(other.stderr.contains("Use another --workflow-id to run with these options"), "\(other.stderr)")
        let otherResult = try #require(try JSONSerialization.jsonObject(with: Data(other.stdout.utf8)) as? [String: Any])
        #expect(otherResult["users_staged"] as? Int == original["users_staged"] as? Int)
    }

    @Test("elt run runs its own workflows only: a root queued for servers on the same journal stays queued")
    func runsOwnTreeOnly() async throws {
        let directory = ELTProcess.temporaryDirectory()
        let queued = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "for-a-server", "--data-path", directory])
        #expect(queued.status == 0, "\(queued.stderr)")
        let run = try await ELTProcess.run(["run", "--json", "--integrations", "1", "--data-path", directory, "--workflow-id", "mine"])
        #expect(run.status == 0, "\(run.stderr)")
        let status = try await ELTProcess.run(["status", "for-a-server", "--json", "--data-path", directory])
        #expect(status.stdout.contains("\"ENQUEUED\""), "the queued root was left to a server: \(status.stdout)")
    }

    @Test("rerunning an id that ended in ERROR or was cancelled says what that returns and how to run it again")
    func existingNotes() {
        let failed = ELTRunner.ExistingRun(status: .error, differingInputJSON: nil).note(id: "r1")
        #expect(failed.contains("ended already (ERROR); running it again returns its recorded error"), "\(failed)")
        #expect(failed.contains("elt fork r1 --step N") && failed.contains("another --workflow-id"), "\(failed)")
        let cancelled = ELTRunner.ExistingRun(status: .cancelled, differingInputJSON: #"{"pageSize":5}"#).note(id: "r2")
        #expect(cancelled.contains("elt resume r2"), "\(cancelled)")
        #expect(cancelled.contains(#"recorded input ({"pageSize":5})"#), "\(cancelled)")
        let pending = ELTRunner.ExistingRun(status: .pending, differingInputJSON: nil).note(id: "r3")
        #expect(pending == "note: workflow r3 is PENDING in the journal; this run resumes it from its checkpoints.\n")
    }

    @Test("elt run --json prints one line with the seed's counts and the workflow id, on the embedded default")
    func jsonLine() async throws {
        let directory = ELTProcess.temporaryDirectory()
        let run = try await ELTProcess.run(["run", "--json", "--integrations", "1"], environment: ["ELT_DATA_PATH": directory])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["integrations", "users_staged", "cdc_inserts", "cdc_updates", "cdc_deletes", "latest",
                                     "synced", "quarantined", "duplicates", "superseded", "incomplete_snapshots", "seconds",
                                     "workflow_id", "already_finished"])
        #expect(object["already_finished"] as? Bool == false)
        #expect((object["workflow_id"] as? String)?.hasPrefix("elt-run-") == true)
        #expect(object["duplicates"] as? Int == 0 && object["incomplete_snapshots"] as? Int == 0)
        #expect(object["integrations"] as? Int == 1)
        #expect(object["users_staged"] as? Int == 1_000)
        #expect(object["cdc_inserts"] as? Int == 1_000)
        #expect(object["latest"] as? Int == 1_000)
        #expect(object["synced"] as? Int == 1_000)
        #expect(FileManager.default.fileExists(atPath: directory + "/data.sqlite"))
        #expect(FileManager.default.fileExists(atPath: directory + "/system.sqlite"))
    }

    @Test("elt run --source http fails within seconds, naming the host and the cause, when the API's host refuses or does not resolve",
          arguments: ["refused", "unresolvable"])
    func httpSourceFailsFast(case kind: String) async throws {
        let directory = ELTProcess.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = try freePort()
        let (endpoint, host, cause) = kind == "refused"
            ? ("http://127.0.0.1:\(port)/users?token=hunter2", "127.0.0.1:\(port)", "connection refused")
            : ("https://nonexistent.invalid/users?token=hunter2", "nonexistent.invalid", "the host name could not be resolved")
        var integration = TestUserAPI.integration
        integration.providerData.apiEndpoint = endpoint
        let store = try StoreActor(path: directory + "/data.sqlite")
        #expect(try await store.seedIntegrations([integration]) == 1)
        await store.close()
        let clock = ContinuousClock()
        let started = clock.now
        let run = try await ELTProcess.run(["run", "--source", "http", "--integrations", "0", "--data-path", directory])
        let elapsed = clock.now - started
        #expect(run.status != 0)
        #expect(elapsed < .seconds(20), "failed after \(elapsed); \(run.stderr)")
        #expect(run.stderr.contains("\(host): \(cause)"), "\(run.stderr)")
        #expect(run.stderr.contains("token=REDACTED") && !run.stderr.contains("hunter2"), "\(run.stderr)")
        // Plain words: no network library dump, and the failure named once, by the workflow
        // that failed, not once per parent it was carried through.
        #expect(!run.stderr.contains("errno") && !run.stderr.contains("SocketAddressError") && !run.stderr.contains("error set"), "\(run.stderr)")
        #expect(!run.stderr.contains("failed: workflow "), "\(run.stderr)")
        // A failed run still stops gracefully: its lease is released, not left to expire.
        #expect(!run.stderr.contains("expires on its own"), "\(run.stderr)")
        let executors = try await ELTProcess.run(["executors", "--json", "--data-path", directory])
        #expect(executors.status == 0 && executors.stdout.contains("\"state\":\"released\""), "\(executors.stdout)")
    }

    @Test("elt run prints the seed's result block, with Postgres as journal and sync target when given")
    func resultBlockOnPostgres() async throws {
        guard TestEnvironment.postgresURL != nil else {
            #expect(!TestEnvironment.isCI, "CI must run the Postgres cases: ELT_TEST_POSTGRES_URL is not set")
            return
        }
        // A database of its own: a journal is bound to the data store of its first run, and
        // this run's is a fresh directory.
        let url = try await TestDatabase.create()
        let directory = ELTProcess.temporaryDirectory()
        let run = try await ELTProcess.run(["run", "--data-path", directory, "--system-database-url", url, "--sync-database-url", url])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("✅ ELT Pipeline Completed Successfully!"))
        #expect(run.stdout.contains("Users loaded (staging): 2000"))
        #expect(run.stdout.contains("Synced to Postgres: "))
        #expect(!run.stdout.contains(url), "the password must not be printed")
        #expect(!FileManager.default.fileExists(atPath: directory + "/system.sqlite"))
    }

    @Test("--journal-schema and --sync-schema put the journal and the sync target in the schemas named; the client commands find the run there")
    func postgresSchemas() async throws {
        guard let url = TestEnvironment.postgresURL else {
            #expect(!TestEnvironment.isCI, "CI must run the Postgres cases: ELT_TEST_POSTGRES_URL is not set")
            return
        }
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let journal = "journal_\(suffix)", sync = "sync_\(suffix)", id = "schemas-\(suffix)"
        let directory = ELTProcess.temporaryDirectory()
        let run = try await ELTProcess.run(["run", "--integrations", "1", "--data-path", directory, "--workflow-id", id,
                                            "--system-database-url", url, "--journal-schema", journal,
                                            "--sync-database-url", url, "--sync-schema", sync])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("(schema \(sync))"), "the banner names the sync schema: \(run.stdout)")
        let found = try await ELTProcess.run(["status", id, "--json", "--system-database-url", url, "--journal-schema", journal])
        #expect(found.status == 0 && found.stdout.contains("SUCCESS"), "\(found.stdout)\n\(found.stderr)")
        let elsewhere = try await ELTProcess.run(["status", id, "--system-database-url", url])
        #expect(elsewhere.status != 0, "the default journal schema does not hold the run: \(elsewhere.stdout)")
    }

    @Test("a data store created again under a kept journal is refused, saying so, until --rebind-stores; nothing is run meanwhile")
    func recreatedDataStoreIsRefused() async throws {
        let directory = ELTProcess.temporaryDirectory()
        let first = try await ELTProcess.run(["run", "--json", "--integrations", "1", "--data-path", directory])
        #expect(first.status == 0, "\(first.stderr)")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: directory + "/data.sqlite" + suffix) }
        let refused = try await ELTProcess.run(["run", "--json", "--integrations", "1", "--data-path", directory, "--workflow-id", "after-reset"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("and this process uses another one at the same place (created again since it was bound")
                && refused.stderr.contains("--rebind-stores"), "\(refused.stderr)")
        let status = try await ELTProcess.run(["status", "after-reset", "--data-path", directory])
        #expect(status.status != 0, "the refused run recorded nothing: \(status.stdout)")
        let rebound = try await ELTProcess.run(["run", "--json", "--integrations", "1", "--data-path", directory, "--rebind-stores"])
        #expect(rebound.status == 0 && rebound.stdout.contains("\"latest\":1000"), "\(rebound.stdout)\(rebound.stderr)")
    }

    @Test("bad options get a clear error and a non-zero exit")
    func badOptions() async throws {
        let negative = try await ELTProcess.run(["run", "--integrations=-1"])
        #expect(negative.status != 0)
        #expect(negative.stderr.contains("--integrations must be 0 or more"))
        let badURL = try await ELTProcess.run(["run", "--data-path", ELTProcess.temporaryDirectory(), "--system-database-url", "mysql://x@y/z"])
        #expect(badURL.status != 0)
        #expect(badURL.stderr.contains("postgres://"), "\(badURL.stderr)")
        let fraction = try await ELTProcess.run(["run", "--max-delete-fraction", "1.5"])
        #expect(fraction.status != 0)
        #expect(fraction.stderr.contains("--max-delete-fraction must be a fraction from 0 to 1"), "\(fraction.stderr)")
        let users = try await ELTProcess.run(["run", "--users-per-integration=-5"])
        #expect(users.status != 0)
        #expect(users.stderr.contains("--users-per-integration must be 0 or more"), "\(users.stderr)")
        // A negative number after a space is the option's value, not an unknown option.
        let spaced = try await ELTProcess.run(["run", "--integrations", "-1"])
        #expect(spaced.stderr.contains("--integrations must be 0 or more, got -1"), "\(spaced.stderr)")
        // Batch parameters are checked by the CLI, before any workflow exists.
        for (option, value, message) in [("--page-size", "0", "--page-size must be a whole number from 1 to 10000, got 0"),
                                         ("--batch-size", "-3", "--batch-size must be a whole number from 1 to 10000, got -3"),
                                         ("--num-batches", "0", "--num-batches must be a whole number from 1 to 1000000, got 0")] {
            let directory = ELTProcess.temporaryDirectory()
            let bad = try await ELTProcess.run(["run", "--data-path", directory, option, value])
            #expect(bad.status != 0)
            #expect(bad.stderr.contains(message), "\(bad.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory), "nothing written for \(option) \(value)")
        }
    }

    @Test("--users-per-integration sets the generator's population, recorded with the run")
    func usersPerIntegration() async throws {
        let directory = ELTProcess.temporaryDirectory()
        let run = try await ELTProcess.run(["run", "--json", "--integrations", "1", "--users-per-integration", "250"],
                                     environment: ["ELT_DATA_PATH": directory])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["users_staged"] as? Int == 250)
        #expect(object["latest"] as? Int == 250)
    }

    /// The `--json` line of a run, as an object.
    static func jsonObject(_ run: (status: Int32, stdout: String, stderr: String)) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    @Test("snapshot 0 then snapshot 1 under the default churn: inserts, updates and deletes, and latest equals the generator's snapshot 1")
    func defaultChurn() async throws {
        let directory = ELTProcess.temporaryDirectory()
        let first = try await ELTProcess.run(["run", "--json", "--integrations", "1", "--snapshot", "0"], environment: ["ELT_DATA_PATH": directory])
        #expect(first.status == 0, "\(first.stderr)")
        let base = try Self.jsonObject(first)
        #expect(base["cdc_inserts"] as? Int == 1_000 && base["cdc_updates"] as? Int == 0 && base["cdc_deletes"] as? Int == 0)

        let second = try await ELTProcess.run(["run", "--json", "--integrations", "1", "--snapshot", "1"], environment: ["ELT_DATA_PATH": directory])
        #expect(second.status == 0, "\(second.stderr)")
        let changed = try Self.jsonObject(second)
        let store = try StoreActor(path: directory + "/data.sqlite")
        let integration = try #require(try await store.integrations(after: nil, limit: 2).first)
        let generator = UserGenerator(integrationID: integration.id, organizationID: integration.organizationID,
                                      churn: ELTConfiguration.defaultChurn)
        let expected = generator.expectedChanges(from: 0, to: 1, baseCount: 1_000)
        #expect(expected.inserts == 50 && expected.updates > 0 && expected.deletes > 0)
        #expect(changed["cdc_inserts"] as? Int == expected.inserts)
        #expect(changed["cdc_updates"] as? Int == expected.updates)
        #expect(changed["cdc_deletes"] as? Int == expected.deletes)
        #expect(changed["incomplete_snapshots"] as? Int == 0, "the run must read the grown snapshot to its end")
        let snapshotOne = generator.page(snapshot: 1, page: 0, pageSize: 10_000).sorted { $0.id < $1.id }
        #expect(try await store.latestUsers(tenant: integration.tenant) == snapshotOne)
        #expect(changed["latest"] as? Int == snapshotOne.count)
        #expect(changed["synced"] as? Int == expected.inserts + expected.updates + expected.deletes)
    }

    @Test("--churn none keeps snapshot 1 equal to snapshot 0; --churn sets the rates")
    func churnOption() async throws {
        let directory = ELTProcess.temporaryDirectory()
        var results: [[String: Any]] = []
        for snapshot in ["0", "1"] {
            let run = try await ELTProcess.run(["run", "--json", "--integrations", "1", "--snapshot", snapshot, "--churn", "none"],
                                         environment: ["ELT_DATA_PATH": directory])
            #expect(run.status == 0, "\(run.stderr)")
            results.append(try Self.jsonObject(run))
        }
        #expect(results[1]["cdc_inserts"] as? Int == 0 && results[1]["cdc_updates"] as? Int == 0 && results[1]["cdc_deletes"] as? Int == 0)
        let inserts = try await ELTProcess.run(["run", "--json", "--integrations", "1", "--snapshot", "2", "--churn", "insert=0.1"],
                                         environment: ["ELT_DATA_PATH": directory])
        #expect(inserts.status == 0, "\(inserts.stderr)")
        let grown = try Self.jsonObject(inserts)
        #expect(grown["cdc_inserts"] as? Int == 200 && grown["cdc_updates"] as? Int == 0 && grown["cdc_deletes"] as? Int == 0)
        #expect(grown["latest"] as? Int == 1_200)
    }

    @Test("a bad --churn is refused with a clear message before anything is written", arguments: [
        ("insert=2", "insert=2 is not a fraction from 0 to 1"), ("update=abc", "update=abc is not a fraction from 0 to 1"),
        ("insert=0.1,insert=0.2", "insert is given twice"), ("grow=0.1", "'grow' is not a kind of change"),
        ("5%", "'5%' is not kind=fraction"), ("delete=-0.1", "delete=-0.1 is not a fraction from 0 to 1"), ("", "it is empty"),
    ])
    func badChurn(value: String, reason: String) async throws {
        for executable in ["elt", "elt-server"] {
            let directory = ELTProcess.temporaryDirectory()
            let arguments = (executable == "elt" ? ["run"] : []) + ["--data-path", directory, "--churn", value]
            let run = try await ELTProcess.run(arguments, executable: executable)
            #expect(run.status != 0)
            #expect(run.stderr.contains("--churn must be 'none' or insert=F,update=F,delete=F"), "\(executable): \(run.stderr)")
            #expect(run.stderr.contains(reason), "\(executable): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory), "\(executable) must write nothing")
        }
    }
}

/// `elt run` finishes what it starts (issue 14, item 7).
@Suite("elt run finishes what it starts", .serialized)
struct RunFinishesTests {
    /// Starts `elt` with `arguments`; output goes to files (a pipe could fill up).
    static func spawn(_ arguments: [String]) throws -> (process: ChildProcess, stdout: URL, stderr: URL) {
        let out = URL(fileURLWithPath: ELTProcess.temporaryDirectory() + ".out")
        let err = URL(fileURLWithPath: ELTProcess.temporaryDirectory() + ".err")
        let process = try ChildProcess.start(executable: ELTProcess.executable.path, arguments: arguments, output: out.path, error: err.path)
        return (process, out, err)
    }

    /// Waits until the workflow `id` in the journal under `directory` is PENDING (the run has
    /// started it), at most `timeout`: the signal tests act on the run's state, not on a clock,
    /// which a loaded CI machine can stretch past the whole run.
    static func waitUntilPending(_ id: String, directory: String, timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let status = try await ELTProcess.run(["status", id, "--json", "--data-path", directory])
            if status.status == 0, status.stdout.contains("\"PENDING\"") { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("workflow \(id) was not PENDING within \(timeout)")
    }

    /// Waits until `process` has ended, at most `timeout`.
    static func waitForExit(_ process: ChildProcess, timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
    }

    @Test("SIGINT stops elt run gracefully: exit 130, it says how to resume, and the resumed run ends exactly")
    func sigint() async throws {
        let directory = ELTProcess.temporaryDirectory()
        // 1.5 s per batch: 15 s of extraction, so the run is still extracting when signalled.
        let arguments = ["run", "--json", "--integrations", "3", "--source-latency-ms", "1500", "--data-path", directory, "--workflow-id", "stopped"]
        let (process, _, err) = try Self.spawn(arguments)
        try await Self.waitUntilPending("stopped", directory: directory)
        try await Task.sleep(for: .seconds(1))
        try #require(process.isRunning, "still extracting when signalled")
        kill(process.processIdentifier, SIGINT)
        await Self.waitForExit(process, timeout: .seconds(30))
        #expect(!process.isRunning, "SIGINT ended it")
        #expect(process.terminationStatus == 130)
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        #expect(stderr.contains("interrupted: the run is left resumable: elt run --workflow-id stopped"), "\(stderr)")
        let resumed = try await ELTProcess.run(arguments)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        #expect(object["latest"] as? Int == 3_000 && object["synced"] as? Int == 3_000 && object["duplicates"] as? Int == 0)
    }

    @Test("a run that recovers an earlier run's unfinished work finishes it before exiting, and says so")
    func finishesRecoveredWork() async throws {
        let directory = ELTProcess.temporaryDirectory()
        let (process, _, _) = try Self.spawn(
            ["run", "--integrations", "3", "--source-latency-ms", "1500", "--data-path", directory, "--workflow-id", "killed"])
        try await Self.waitUntilPending("killed", directory: directory)
        try await Task.sleep(for: .seconds(1))
        try #require(process.isRunning, "still extracting when killed")
        kill(process.processIdentifier, SIGKILL)
        await Self.waitForExit(process, timeout: .seconds(10))
        // Same executor id (local): the dead holder is replaced, and its PENDING work recovered here.
        let second = try await ELTProcess.run(["run", "--integrations", "3", "--data-path", directory, "--workflow-id", "second"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("Also finished, left unfinished on this executor by an earlier run: killed"), "\(second.stdout)")
        let status = try await ELTProcess.run(["status", "killed", "--json", "--data-path", directory])
        #expect(status.stdout.contains("\"SUCCESS\""), "the earlier run's root finished too: \(status.stdout)")
    }
}
