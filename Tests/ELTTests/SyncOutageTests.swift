import DurableRuntime
import DurableTesting
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Testing

/// A private PostgreSQL server of its own (scripts/start-postgres.sh) that a test can stop and
/// start again, as a sync database that goes away mid-run.
struct OutagePostgres {
    let url: String
    let directory: String

    /// The repository's root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs a script of `scripts/` and returns its standard output. Output goes through files,
    /// not pipes: a server the script starts must not keep a pipe of this process open.
    @discardableResult
    static func script(_ name: String, _ arguments: [String]) throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("outage-\(UUID().uuidString)")
        let (outURL, errURL) = (scratch.appendingPathExtension("out"), scratch.appendingPathExtension("err"))
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let process = try ChildProcess.start(executable: "/bin/bash", arguments: [root + "/scripts/" + name] + arguments,
                                             output: outURL.path, error: errURL.path)
        process.waitUntilExit()
        let text = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            let problems = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw OutageError(description: "scripts/\(name) \(arguments.joined(separator: " ")) failed: \(problems)")
        }
        return text
    }

    /// Starts a new server.
    static func start() throws -> OutagePostgres {
        var values: [String: String] = [:]
        for line in try script("start-postgres.sh", []).split(separator: "\n") where line.hasPrefix("export ") {
            let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
            if pair.count == 2 { values[String(pair[0])] = String(pair[1]) }
        }
        guard let url = values["ELT_TEST_POSTGRES_URL"], let directory = values["ELT_TEST_POSTGRES_DIR"] else {
            throw OutageError(description: "scripts/start-postgres.sh printed no URL")
        }
        return OutagePostgres(url: url, directory: directory)
    }

    func stop() async throws { _ = try await Self.offThePool { try Self.script("postgres-outage.sh", [directory, "stop"]) } }
    func resume() async throws { _ = try await Self.offThePool { try Self.script("postgres-outage.sh", [directory, "start"]) } }

    /// Runs blocking work (a child process and its wait) on a dispatch queue, not on one of
    /// the few threads of Swift's cooperative pool, which the pipeline under test needs.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
    func remove() {
        _ = try? Self.script("stop-postgres.sh", [directory])
    }
}

/// Why the test server could not be started or stopped.
struct OutageError: Error, CustomStringConvertible {
    var description: String
}

/// The generator, with every tenant but the first `open` held at its first page until the gate opens.
struct HeldSource: UserSource {
    let generator = GeneratorUserSource()
    let open: Set<String>
    let gate = Gate()

    func fetchPage(integration: ConnectedIntegration, snapshot: Int, page: Int, pageSize: Int) async throws -> SourcePage {
        if !open.contains(integration.organizationID) { try await gate.wait() }
        return try await generator.fetchPage(integration: integration, snapshot: snapshot, page: page, pageSize: pageSize)
    }
}

@Suite("Sync: the sync database stopped mid-run")
struct SyncOutageTests {
    /// The first wave of tenants (one per slot of `elt_queue`) runs to the end; the rest are held
    /// in extraction while the sync database is stopped, then released, so every one of their
    /// syncs meets the outage; it lasts 20 s.
    // The limit catches the known hang of a sync transaction cut mid-flight (ARCHITECTURE,
    // "Known gaps"); it leaves room for a loaded 2-core machine, where the first wave alone
    // took over two minutes while another test run shared the cores.
    @Test("the sync database stopped for 20 s mid-run: every sync waits it out and the main database ends exact",
          .timeLimit(.minutes(6)), arguments: JournalKind.available)
    func twentySecondOutage(kind: JournalKind) async throws {
        let server = try await OutagePostgres.offThePool { try OutagePostgres.start() }
        defer { server.remove() }
        let firstWave = (1...5).map { "org-" + String(format: "%03d", $0) }
        let source = HeldSource(open: Set(firstWave))
        var harness = try await PipelineHarness(kind, integrations: 10, source: source)
        let target = try PostgresSyncTarget(url: server.url, schema: "outage")
        try await target.prepare()
        harness.syncTargetOverride = target
        harness.syncRetry = SyncRetryPolicy(deadline: .seconds(120), initialDelay: .milliseconds(200), maxDelay: .seconds(2))
        let integrations = try await harness.integrations()
        let result = try await harness.withRuntime { runtime in
            let root = try await runtime.start(RootOrchestrationWorkflow.self, id: "root", input: RootInput())
            // Mid-run: the first wave is in the main database, the rest are extracting.
            for integration in integrations where firstWave.contains(integration.organizationID) {
                while try await target.users(tenant: integration.tenant).count < 1_000 {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            try await server.stop()
            source.gate.open()
            try await Task.sleep(for: .seconds(20))
            try await server.resume()
            return try await root.result()
        }
        #expect(result.integrations == 10 && result.latest == 10_000 && result.synced == 10_000)
        for integration in integrations {
            let tenant = integration.tenant
            #expect(try await target.users(tenant: tenant) == harness.store.latestUsers(tenant: tenant), "\(tenant)")
            #expect(try await harness.store.unsyncedRuns(tenant: tenant).isEmpty)
        }
        await target.close()
    }
}
