import DurableRuntime
import DurableTesting
import ELT
import ELTApp
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ELTServer

/// Finding runs (issue 14): top-level workflows by default, `--all` / `all=true` for children,
/// `parent=`, what `elt steps` shows, and a queue depth of waiting and running workflows only.
@Suite("Finding runs")
struct FindingRunsTests {
    /// Two runs: `r1` with two children (one with a child of its own) and `r2`, then a lone
    /// child-named workflow at the top level.
    static let tree: [WorkflowRecord] = [
        row("r1", name: "root", createdAt: 100),
        row("r1-1", name: "pipeline", parent: "r1", createdAt: 110),
        row("r1-1-1", name: "stage", parent: "r1-1", createdAt: 120),
        row("r1-2", name: "pipeline", parent: "r1", createdAt: 130),
        row("r2", name: "root", status: .pending, createdAt: 200),
    ]

    static func row(
        _ id: String, name: String, status: WorkflowStatus = .success, queue: String? = nil, parent: String? = nil, createdAt: Int64 = 1_000
    ) -> WorkflowRecord {
        WorkflowRecord(id: id, name: name, status: status, inputJSON: "{}", executorID: status == .enqueued ? nil : "x",
                       queueName: queue, parentID: parent, createdAt: createdAt, updatedAt: createdAt)
    }

    static func insert(_ records: [WorkflowRecord], into journal: JournalActor) async throws {
        let result = try await journal.backend.commit(records.map { .insertWorkflow($0) })
        #expect(result.results.allSatisfy { $0 == .workflowInserted })
    }

    // MARK: The filter

    @Test("the filter lists top-level workflows by default; parent, name, queue and id_prefix search children; all overrides")
    func filterDefaults() throws {
        func query(_ pairs: [(String, String)]) throws -> WorkflowQuery { try WorkflowFilter.query(pairs) }
        #expect(try query([]).topLevelOnly)
        #expect(try query([("status", "SUCCESS"), ("limit", "5")]).topLevelOnly)
        #expect(try query([("all", "true")]).topLevelOnly == false)
        #expect(try query([("all", "")]).topLevelOnly == false, "?all alone means all=true")
        let children = try query([("parent", "r1")])
        #expect(children.parentID == "r1" && !children.topLevelOnly)
        #expect(try query([("parent", "r1"), ("all", "true")]).topLevelOnly == false)
        for key in ["name", "queue", "id_prefix"] {
            #expect(try query([(key, "x")]).topLevelOnly == false, "\(key)= searches children too")
            #expect(try query([(key, "x"), ("all", "false")]).topLevelOnly, "all=false keeps them out")
        }
        #expect(throws: FilterError.self) { try query([("parent", "r1"), ("all", "false")]) }
        #expect(throws: FilterError.self) { try query([("all", "maybe")]) }
    }

    @Test("an executor's lease left is rounded away from zero: live with 400 ms left shows 1 s, not 0; ended 400 ms ago shows -1")
    func leaseSecondsLeft() {
        func view(expiresIn milliseconds: Int64?) -> ExecutorView {
            let now: Int64 = 1_000_000
            return ExecutorView(ExecutorInfo(executorID: "e", incarnation: "i", applicationVersion: "v", host: "h", pid: 1, startedAt: 0,
                                             leaseExpiresAt: milliseconds.map { now + $0 } ?? 0), now: now)
        }
        #expect(view(expiresIn: 400).state == "live" && view(expiresIn: 400).leaseSecondsLeft == 1)
        #expect(view(expiresIn: 30_000).leaseSecondsLeft == 30)
        #expect(view(expiresIn: 29_001).leaseSecondsLeft == 30)
        #expect(view(expiresIn: -400).state == "expired" && view(expiresIn: -400).leaseSecondsLeft == -1)
        #expect(view(expiresIn: nil).state == "released" && view(expiresIn: nil).leaseSecondsLeft == 0)
    }

    @Test("a filter given twice is refused, naming it, instead of the last one silently winning")
    func repeatedFilter() throws {
        for (key, first, second) in [("limit", "2", "3"), ("status", "SUCCESS", "ERROR"), ("parent", "r1", "r2"), ("all", "true", "false")] {
            #expect {
                try WorkflowFilter.query([(key, first), (key, second)])
            } throws: { error in
                let text = String(describing: error)
                return text.contains("filter '\(key)' is given twice")
                    && (key != "status" || text.contains("status=ERROR,CANCELLED"))
            }
        }
        #expect(try WorkflowFilter.query([("status", "SUCCESS,ERROR"), ("limit", "3")]).statuses == [.success, .error])
    }

    // MARK: The admin API

    @Test("GET /api/workflows lists top-level workflows unless all=true; parent= lists a workflow's children",
          arguments: JournalKind.available)
    func adminListing(kind: JournalKind) async throws {
        try await AdminAPIHarness(kind).withAdminAPI { runtime, client in
            try await Self.insert(Self.tree, into: runtime.journal)
            func ids(_ query: String) async throws -> [String] {
                let response = try await client.execute(uri: "/api/workflows" + query, method: .get)
                #expect(response.status == .ok, "\(query): \(String(buffer: response.body))")
                let workflows = try #require(try jsonObject(response)["workflows"] as? [[String: Any]])
                return workflows.compactMap { $0["workflow_id"] as? String }
            }
            #expect(try await ids("") == ["r2", "r1"])
            #expect(try await ids("?status=SUCCESS") == ["r1"])
            #expect(try await ids("?all=true") == ["r2", "r1-2", "r1-1-1", "r1-1", "r1"])
            #expect(try await ids("?parent=r1") == ["r1-2", "r1-1"])
            #expect(try await ids("?parent=r1-1") == ["r1-1-1"])
            #expect(try await ids("?parent=r1&order=asc&limit=1") == ["r1-1"])
            #expect(try await ids("?name=pipeline") == ["r1-2", "r1-1"])
            #expect(try await ids("?name=pipeline&all=false") == [])
            #expect(try await ids("?id_prefix=r1-") == ["r1-2", "r1-1-1", "r1-1"])
            for bad in ["?parent=r1&all=false", "?all=maybe"] {
                let response = try await client.execute(uri: "/api/workflows" + bad, method: .get)
                #expect(response.status == .badRequest, "\(bad)")
                #expect(try errorDetail(response).message.contains("all="), "\(bad)")
            }
            let repeated = try await client.execute(uri: "/api/workflows?limit=2&limit=3", method: .get)
            #expect(repeated.status == .badRequest)
            #expect(try errorDetail(repeated).message == "filter 'limit' is given twice; give each filter once")
        }
    }

    @Test("GET /api/queues: depth counts only ENQUEUED and PENDING workflows, both always present", arguments: JournalKind.available)
    func queueDepth(kind: JournalKind) async throws {
        var harness = try AdminAPIHarness(kind)
        harness.workQueues = false // lists the queues, works none: the ENQUEUED rows stay
        harness.queues = [WorkflowQueue("q", globalConcurrency: 5), WorkflowQueue("idle")]
        try await harness.withAdminAPI { runtime, client in
            try await Self.insert([
                Self.row("e1", name: "w", status: .enqueued, queue: "q"), Self.row("e2", name: "w", status: .enqueued, queue: "q"),
                Self.row("p1", name: "w", status: .pending, queue: "q"), Self.row("s1", name: "w", status: .success, queue: "q"),
                Self.row("s2", name: "w", status: .success, queue: "q"), Self.row("x1", name: "w", status: .error, queue: "q"),
                Self.row("c1", name: "w", status: .cancelled, queue: "q"), Self.row("d1", name: "w", status: .success, queue: "idle"),
            ], into: runtime.journal)
            let response = try await client.execute(uri: "/api/queues", method: .get)
            #expect(response.status == .ok)
            let queues = try #require(try jsonObject(response)["queues"] as? [[String: Any]])
            let depth = Dictionary(uniqueKeysWithValues: queues.map { ($0["name"] as? String ?? "", $0["depth"] as? [String: Int] ?? [:]) })
            #expect(depth["q"] == ["ENQUEUED": 2, "PENDING": 1])
            #expect(depth["idle"] == ["ENQUEUED": 0, "PENDING": 0])
        }
    }

    // MARK: The client

    @Test("elt list shows top-level workflows, --all the children too, parent=ID a workflow's children; elt steps shows each step with its tries and a child's status")
    func clientListingAndSteps() async throws {
        let data = ELTProcess.temporaryDirectory()
        let client = ELTClient(configuration: ELTConfiguration(dataPath: data, environment: [:]))
        try await client.withClient { runtime in
            try await Self.insert(Self.tree, into: runtime.journal)
            let steps: [StepRecord] = [
                StepRecord(workflowID: "r1", stepNumber: 1, name: "load_connected_integrations", outputJSON: "2", startedAt: 1_000, completedAt: 1_042),
                StepRecord(workflowID: "r1", stepNumber: 2, name: "pipeline", childWorkflowID: "r1-1", startedAt: 1_050, completedAt: 1_050),
                StepRecord(workflowID: "r1", stepNumber: 3, name: "flaky_fetch",
                           errorJSON: #"{"type":"ELT.SourceError","message":"HTTP 503 from\nthe source"}"#, startedAt: 2_000, completedAt: 2_750,
                           attempts: 3),
            ]
            _ = try await runtime.journal.backend.commit(steps.map { .recordStep($0) })
        }
        func lines(_ arguments: [String]) async throws -> [String] {
            let run = try await ELTProcess.run(arguments + ["--data-path", data])
            #expect(run.status == 0, "elt \(arguments): \(run.stderr)")
            return run.stdout.split(separator: "\n").map(String.init)
        }
        func ids(_ arguments: [String]) async throws -> [String] {
            try await lines(arguments).dropFirst().map { String($0.prefix { $0 != " " }) }
        }
        #expect(try await ids(["list"]) == ["r2", "r1"])
        #expect(try await lines(["list"]).first?.contains("PARENT") == false)
        #expect(try await ids(["list", "--all"]) == ["r2", "r1-2", "r1-1-1", "r1-1", "r1"])
        #expect(try await lines(["list", "--all"]).first?.hasSuffix("PARENT") == true)
        #expect(try await ids(["list", "parent=r1"]) == ["r1-2", "r1-1"])
        #expect(try await ids(["list", "name=pipeline", "limit=1"]) == ["r1-2"])
        let json = try await ELTProcess.run(["list", "--json", "--data-path", data])
        let views = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(views.compactMap { $0["workflow_id"] as? String } == ["r2", "r1"])
        #expect(try await lines(["list", "status=ERROR"]) == ["No top-level workflows match (child workflows are left out: add --all)."])

        let steps = try await lines(["steps", "r1"])
        #expect(steps.first?.split(separator: " ", omittingEmptySubsequences: true) == ["STEP", "NAME", "CHILD", "MS", "TRIES", "OUTCOME"])
        let cells = steps.dropFirst().prefix(3).map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(cells.first == ["1", "load_connected_integrations", "-", "42", "1", "ok", "2"])
        #expect(cells.dropFirst().first == ["2", "pipeline", "r1-1", "0", "1", "child", "SUCCESS"], "a child's row shows the child's status")
        #expect(cells.last.map { Array($0.prefix(6)) } == ["3", "flaky_fetch", "-", "750", "3", "error:"])
        #expect(steps[3].hasSuffix("error: HTTP 503 from the source"), "the recorded message, on one line: \(steps[3])")
        // The table alone on standard output (it goes down pipes); the columns are explained in --help.
        #expect(steps.count == 4, "\(steps)")
        let help = try await ELTProcess.run(["steps", "--help"])
        #expect(help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains("TRIES counts the runs of the step's body"), "\(help.stdout)")
        let stepsJSON = try await ELTProcess.run(["steps", "r1", "--json", "--data-path", data])
        let stepViews = try #require(try JSONSerialization.jsonObject(with: Data(stepsJSON.stdout.utf8)) as? [[String: Any]])
        #expect(stepViews.map { $0["duration_ms"] as? Int } == [42, 0, 750])
        #expect(stepViews.map { $0["attempts"] as? Int } == [1, 1, 3])
        #expect(stepViews.map { $0["child_status"] as? String } == [nil, "SUCCESS", nil])
        // Forking a child says that its parent will not see the fork, and which parent step to fork.
        let fork = try await ELTProcess.run(["fork", "r1-1", "--step", "1", "--new-id", "r1-1-again", "--data-path", data])
        #expect(fork.status == 0, "\(fork.stderr)")
        #expect(fork.stderr.contains("note: r1-1 is a child of r1: the fork runs alone"), "\(fork.stderr)")
        #expect(fork.stderr.contains("elt fork r1 --step 2"), "\(fork.stderr)")
        let topLevel = try await ELTProcess.run(["fork", "r2", "--step", "1", "--new-id", "r2-again", "--data-path", data])
        #expect(topLevel.status == 0 && !topLevel.stderr.contains("note:"), "\(topLevel.stderr)")
    }
}
