import DurableRuntime
import DurableTesting
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ELTServer

/// The admin API in-process: percent-decoded path ids, refused fork ids, body limits and
/// journal failures.
@Suite("Admin routes")
struct AdminRoutesTests {
    /// The issue's id: every reserved character of a URL, a space and non-ASCII.
    static let hostileID = "a/b?c#d%e f-é-日本"

    @Test("an id with / ? # % space and non-ASCII reaches exactly its workflow through GET, steps, cancel, resume and fork",
          arguments: JournalKind.available)
    func reservedCharactersRoundTrip(kind: JournalKind) async throws {
        let id = Self.hostileID
        let queued = id + " queued"
        let forkID = "fork/of?#% é-日本"
        try await AdminAPIHarness(kind).withAdminAPI { runtime, client in
            // Decoys that a missing or partial decoding would reach instead.
            let decoys = [pathEncoded(id), "a", pathEncoded(queued)]
            _ = try await runtime.run(EchoSteps.self, id: id, input: "the real one")
            for decoy in decoys { _ = try await runtime.run(EchoSteps.self, id: decoy, input: "decoy") }
            try await runtime.enqueue(EchoSteps.self, queue: ELTPipeline.runQueueName, id: queued, input: "queued")

            let view = try await client.execute(uri: "/api/workflows/\(pathEncoded(id))", method: .get)
            #expect(view.status == .ok)
            #expect(try jsonObject(view)["workflow_id"] as? String == id)
            #expect(try jsonObject(view)["input"] as? String == "the real one")

            let steps = try await client.execute(uri: "/api/workflows/\(pathEncoded(id))/steps", method: .get)
            #expect(steps.status == .ok)
            let stepsObject = try jsonObject(steps)
            #expect(stepsObject["workflow_id"] as? String == id)
            let stepList = try #require(stepsObject["steps"] as? [[String: Any]])
            #expect(stepList.map { $0["name"] as? String } == ["first", "second"])
            #expect(stepList.first?["output"] as? String == "the real one")

            let cancelled = try await client.execute(uri: "/api/workflows/\(pathEncoded(queued))/cancel", method: .post)
            #expect(cancelled.status == .ok)
            #expect(try jsonObject(cancelled)["workflow_id"] as? String == queued)
            #expect(try await runtime.workflow(id: queued)?.status == .cancelled)

            let resumed = try await client.execute(uri: "/api/workflows/\(pathEncoded(queued))/resume", method: .post)
            #expect(resumed.status == .ok, "\(String(buffer: resumed.body))")
            #expect(try jsonObject(resumed)["workflow_id"] as? String == queued)
            #expect(try await runtime.workflow(id: queued)?.status == .enqueued)

            let forked = try await client.execute(
                uri: "/api/workflows/\(pathEncoded(id))/fork", method: .post,
                body: ByteBuffer(string: #"{"step": 2, "new_id": "fork/of?#% é-日本"}"#))
            #expect(forked.status == .ok, "\(String(buffer: forked.body))")
            #expect(try jsonObject(forked)["workflow_id"] as? String == forkID)
            #expect(try await runtime.steps(workflowID: forkID).map(\.name) == ["first"], "step 1 copied from the real one")
            #expect(try await runtime.steps(workflowID: forkID).first?.outputJSON == #""the real one""#)
            let forkView = try await client.execute(uri: "/api/workflows/\(pathEncoded(forkID))", method: .get)
            #expect(try jsonObject(forkView)["workflow_id"] as? String == forkID)
            let forkSteps = try await client.execute(uri: "/api/workflows/\(pathEncoded(forkID))/steps", method: .get)
            #expect(try jsonObject(forkSteps)["workflow_id"] as? String == forkID)

            // The decoys were neither reached nor changed, nor forked from.
            for decoy in decoys {
                let record = try #require(try await runtime.workflow(id: decoy))
                #expect(record.status == .success)
                #expect(record.inputJSON == #""decoy""#)
            }
            #expect(try await runtime.listWorkflows().count == 3 + decoys.count)
        }
    }

    @Test("ids made of reserved characters, escaped in upper or lower case, reach their workflow")
    func moreReservedIDs() async throws {
        let ids = ["/", "//", "%", "100%", "%2F", "..", "?", "#", " ", "+", "a+b c", "日本/語", "\u{1F600}", "tab\u{FEFF}?"]
        try await AdminAPIHarness().withAdminAPI { runtime, client in
            for id in ids { _ = try await runtime.run(EchoSteps.self, id: id, input: id) }
            for id in ids {
                let lowerCaseEscapes = pathEncoded(id).replacing(/%[0-9A-F]{2}/) { $0.output.lowercased() }
                for path in [pathEncoded(id), lowerCaseEscapes] {
                    let view = try await client.execute(uri: "/api/workflows/\(path)", method: .get)
                    #expect(view.status == .ok, "\(id): \(String(buffer: view.body))")
                    #expect(try jsonObject(view)["workflow_id"] as? String == id)
                    let steps = try await client.execute(uri: "/api/workflows/\(path)/steps", method: .get)
                    #expect(try jsonObject(steps)["workflow_id"] as? String == id)
                }
            }
        }
    }

    @Test("an undecodable escape in a path id answers 400 naming the problem, and changes nothing",
          arguments: [
              ("%ZZ", "'%ZZ' at character 1 is not a percent-escape"),
              ("ab%2", "'%2' at character 3 is not a percent-escape"),
              ("é%G1", "'%G1' at character 2 is not a percent-escape"),
              ("%", "'%' at character 1 is not a percent-escape"),
              ("%FF%FE", "not UTF-8"),
              ("%C3", "not UTF-8"),
              ("%ED%A0%80", "not UTF-8"),
          ])
    func undecodableIDs(path: String, problem: String) async throws {
        try await AdminAPIHarness().withAdminAPI { runtime, client in
            _ = try await runtime.run(EchoSteps.self, id: "%ZZ", input: "a literal id that must not be reached")
            for (method, suffix) in [(HTTPRequest.Method.get, ""), (.get, "/steps"), (.post, "/cancel"), (.post, "/resume"), (.post, "/fork")] {
                let response = try await client.execute(uri: "/api/workflows/\(path)\(suffix)", method: method,
                                                        body: ByteBuffer(string: #"{"step": 1}"#))
                #expect(response.status == .badRequest, "\(method) \(suffix)")
                let detail = try errorDetail(response)
                #expect(detail.message.hasPrefix("the workflow id in the path cannot be decoded: "), "\(detail.message)")
                #expect(detail.message.contains(problem), "\(detail.message)")
            }
            #expect(try await runtime.listWorkflows().map(\.id) == ["%ZZ"])
            #expect(try await runtime.workflow(id: "%ZZ")?.status == .success)
        }
    }

    @Test("fork refuses an empty, too long or control-character new_id with 400 JSON and creates nothing")
    func forkRefusesInvalidNewIDs() async throws {
        let cases: [(String, String)] = [
            ("", "must not be empty"),
            (String(repeating: "x", count: 256), "at most 255 bytes of UTF-8; this one has 256"),
            (String(repeating: "é", count: 128), "this one has 256"),
            ("bell\u{7}", "must not contain control characters; character 5 is U+0007"),
            ("line\nbreak", "character 5 is U+000A"),
            (String(repeating: "y", count: 900_000), "this one has 900000"),
        ]
        try await AdminAPIHarness().withAdminAPI { runtime, client in
            _ = try await runtime.run(EchoSteps.self, id: "source", input: "x")
            for (newID, rule) in cases {
                let body = try JSONSerialization.data(withJSONObject: ["step": 1, "new_id": newID])
                let response = try await client.execute(uri: "/api/workflows/source/fork", method: .post, body: ByteBuffer(bytes: body))
                #expect(response.status == .badRequest)
                let detail = try errorDetail(response)
                #expect(detail.message.contains("is not valid: "), "\(detail.message.prefix(300))")
                #expect(detail.message.contains(rule), "\(detail.message.prefix(300))")
                #expect(detail.message.utf8.count < 500, "the message shows the id's start only")
            }
            #expect(try await runtime.listWorkflows().map(\.id) == ["source"])
        }
    }

    @Test("a body over 1 MiB answers 413 JSON that says the limit and what to send")
    func bodyTooLarge() async throws {
        try await AdminAPIHarness().withAdminAPI { runtime, client in
            _ = try await runtime.run(EchoSteps.self, id: "source", input: "x")
            let body = ByteBuffer(string: #"{"step": 1, "new_id": ""# + String(repeating: "z", count: AdminRoutes.maximumBodyBytes) + #""}"#)
            let response = try await client.execute(uri: "/api/workflows/source/fork", method: .post, body: body)
            #expect(response.status == .contentTooLarge)
            let detail = try errorDetail(response)
            #expect(detail.message.contains("larger than 1024 KiB; send JSON like {\"step\": 3"), "\(detail.message)")
            #expect(!detail.requestID.isEmpty)
            #expect(try await runtime.listWorkflows().map(\.id) == ["source"])
        }
    }

    @Test("cancel and resume take no body: one with options is refused with 400 and changes nothing; none, or {}, is taken")
    func cancelAndResumeRefuseABody() async throws {
        try await AdminAPIHarness(.sqlite).withAdminAPI { runtime, client in
            _ = try await runtime.run(EchoSteps.self, id: "done", input: "x")
            for action in ["cancel", "resume"] {
                for body in [#"{"force": true}"#, #"{"step": 2}"#, "[]", "force"] {
                    let refused = try await client.execute(uri: "/api/workflows/done/\(action)", method: .post, body: ByteBuffer(string: body))
                    #expect(refused.status == .badRequest, "\(action) \(body)")
                    #expect(try errorDetail(refused).message == "\(action) takes no body (it has no options); send none, or {}")
                }
                for body in ["", " {} ", "\n"] {
                    let taken = try await client.execute(uri: "/api/workflows/done/\(action)", method: .post, body: ByteBuffer(string: body))
                    #expect(taken.status != .badRequest, "\(action) '\(body)': \(String(buffer: taken.body))")
                }
            }
            #expect(try await runtime.workflow(id: "done")?.status == .success)
        }
    }

    @Test("a method a route does not take answers 405 with Allow; an unknown path and an unknown workflow stay 404")
    func methodNotAllowed() async throws {
        try await AdminAPIHarness(.sqlite).withAdminAPI { _, client in
            let delete = try await client.execute(uri: "/api/workflows/some-id", method: .delete)
            #expect(delete.status == .methodNotAllowed)
            #expect(delete.headers[.allow] == "GET, HEAD")
            #expect(try errorDetail(delete).message == "DELETE is not allowed on /api/workflows/some-id; it takes GET, HEAD")

            let put = try await client.execute(uri: "/api/workflows", method: .put)
            #expect(put.status == .methodNotAllowed)
            #expect(put.headers[.allow]?.contains("POST") == true, "\(put.headers)")

            let health = try await client.execute(uri: "/health", method: .post)
            #expect(health.status == .methodNotAllowed)
            #expect(health.headers[.allow] == "GET, HEAD")
            // HEAD is GET without the body: a load balancer's check.
            let head = try await client.execute(uri: "/health", method: .head)
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0, "\(String(buffer: head.body))")

            let unknown = try await client.execute(uri: "/api/nothing-here", method: .get)
            #expect(unknown.status == .notFound)
            #expect(try errorDetail(unknown).message == "no route for GET /api/nothing-here")

            let missing = try await client.execute(uri: "/api/workflows/no-such-workflow", method: .get)
            #expect(missing.status == .notFound)
            #expect(try errorDetail(missing).message.contains("no-such-workflow"))
        }
    }

    @Test("a journal failure in a route answers 500 JSON with a request id, logged at error level with that id, and no SQL")
    func journalFailure() async throws {
        let harness = try AdminAPIHarness(.sqlite)
        try await harness.withAdminAPI { runtime, client in
            _ = try await runtime.run(EchoSteps.self, id: "broken", input: "x")
            // The journal loses its steps table under the running server.
            let database = try DatabaseQueue(path: harness.journal.location)
            try await database.write { try $0.execute(sql: "DROP TABLE operation_outputs") }
            try database.close()

            let response = try await client.execute(uri: "/api/workflows/broken/steps", method: .get)
            #expect(response.status == .internalServerError)
            let detail = try errorDetail(response)
            #expect(detail.message == "internal error; see the server log for request \(detail.requestID)")
            let body = String(buffer: response.body)
            for leak in ["operation_outputs", "SELECT", "no such table", "SQLite"] {
                #expect(!body.contains(leak), "\(body)")
            }
            let logged = harness.logs.logged.filter { $0.level == .error && $0.metadata["request_id"] == detail.requestID }
            #expect(logged.count == 1, "\(harness.logs.logged)")
            #expect(logged.first?.metadata["error"]?.contains("operation_outputs") == true, "the log has what the body hides")
            #expect(logged.first?.metadata["path"] == "/api/workflows/broken/steps")
        }
    }

    @Test("POST /api/workflows starts a catalogued workflow on elt_run_queue (201), returns an existing id (200), refuses bad input (400)",
          arguments: JournalKind.available)
    func startRoute(kind: JournalKind) async throws {
        var harness = try AdminAPIHarness(kind)
        harness.workQueues = false
        harness.queues = ELTManagement.queues
        try await harness.withAdminAPI { runtime, client in
            let body = #"{"name": "root_orchestration_workflow", "arguments": {"num_batches": 2, "max_delete_fraction": 0.5}, "id": "api-root"}"#
            let created = try await client.execute(uri: "/api/workflows", method: .post, body: ByteBuffer(string: body))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let object = try jsonObject(created)
            #expect(object["existed"] as? Bool == false)
            let workflow = try #require(object["workflow"] as? [String: Any])
            #expect(workflow["workflow_id"] as? String == "api-root" && workflow["queue_name"] as? String == ELTPipeline.runQueueName)
            let record = try await runtime.existingWorkflow(id: "api-root")
            #expect(record.status == .enqueued)
            #expect(try JSONDecoder().decode(RootInput.self, from: Data(record.inputJSON.utf8)) == RootInput(numBatches: 2, maxDeleteFraction: 0.5))

            let again = try await client.execute(uri: "/api/workflows", method: .post, body: ByteBuffer(string: body))
            let existed = try jsonObject(again)["existed"] as? Bool
            #expect(again.status == .ok && existed == true)

            for (bad, expected) in [(#"{"name": "nope"}"#, "unknown workflow 'nope'"),
                                    (#"{"name": "root_orchestration_workflow", "arguments": {"num_batches": 0}}"#, "num_batches=0"),
                                    (#"{"name": "root_orchestration_workflow", "arguments": {"colour": "red"}}"#, "no parameter 'colour'"),
                                    (#"{"arguments": {}}"#, #"the body lacks "name" (JSON like {"name": "root_orchestration_workflow""#),
                                    (#"{"name": 42}"#, #""name" must be a string (JSON like"#),
                                    (#"{"name": null}"#, #""name" is null; it must be a string"#),
                                    ("[1, 2]", "the body must be an object"),
                                    (#"{"name": "root_orchestration_workflow", "argumets": {"num_batches": 1}, "id": "typo"}"#,
                                     "the body has a key this route does not take: 'argumets'; it takes name, arguments, id"),
                                    (#"{"name": "root_orchestration_workflow", "Id": "x", "queue": "q"}"#,
                                     "keys this route does not take: 'Id', 'queue'")] {
                let refused = try await client.execute(uri: "/api/workflows", method: .post, body: ByteBuffer(string: bad))
                #expect(refused.status == .badRequest, "\(bad)")
                let message = try #require((try jsonObject(refused)["error"] as? [String: Any])?["message"] as? String)
                #expect(message.contains(expected), "\(bad): \(message)")
            }
            // A misspelt key started nothing.
            #expect(try await runtime.workflow(id: "typo") == nil)
            let fork = try await client.execute(uri: "/api/workflows/api-root/fork", method: .post,
                                                body: ByteBuffer(string: #"{"step": 1, "newid": "x"}"#))
            #expect(fork.status == .badRequest)
            #expect(try errorDetail(fork).message.contains("'newid'; it takes step, new_id"), "\(String(buffer: fork.body))")
            let stepText = try await client.execute(uri: "/api/workflows/api-root/fork", method: .post, body: ByteBuffer(string: #"{"step": "3"}"#))
            #expect(stepText.status == .badRequest)
            #expect(try errorDetail(stepText).message.hasPrefix(#""step" must be a whole number (JSON like"#), "\(String(buffer: stepText.body))")
        }
    }

    @Test("POST /api/recover: 400 without executor ids, 409 for an executor with a live lease; GET /api/queues names the oldest waiting",
          arguments: JournalKind.available)
    func recoverAndQueues(kind: JournalKind) async throws {
        var harness = try AdminAPIHarness(kind)
        harness.queues = [WorkflowQueue("q")]
        harness.workQueues = false
        try await harness.withAdminAPI { runtime, client in
            let empty = try await client.execute(uri: "/api/recover", method: .post, body: ByteBuffer(string: #"{"executor_ids": []}"#))
            #expect(empty.status == .badRequest)
            let lease = ExecutorInfo(executorID: "busy", incarnation: "i", applicationVersion: "t", host: "h", pid: 1,
                                     startedAt: journalTimestamp(), leaseExpiresAt: journalTimestamp() + 60_000)
            _ = try await runtime.journal.backend.acquireLease(lease, now: journalTimestamp(), replacing: nil)
            let live = try await client.execute(uri: "/api/recover", method: .post, body: ByteBuffer(string: #"{"executor_ids": ["busy"]}"#))
            #expect(live.status == .conflict, "\(String(buffer: live.body))")
            #expect(String(buffer: live.body).contains("holds a live lease"))

            try await FindingRunsTests.insert([
                WorkflowRecord(id: "older", name: "w", status: .enqueued, inputJSON: "1", queueName: "q", createdAt: 1_000, updatedAt: 1_000),
                WorkflowRecord(id: "newer", name: "w", status: .enqueued, inputJSON: "1", queueName: "q", createdAt: 2_000, updatedAt: 2_000),
            ], into: runtime.journal)
            let queues = try jsonObject(try await client.execute(uri: "/api/queues", method: .get))
            let queue = try #require((queues["queues"] as? [[String: Any]])?.first)
            #expect((queue["oldest_enqueued"] as? [String: Any])?["workflow_id"] as? String == "older")
            #expect((queue["depth"] as? [String: Int])?["ENQUEUED"] == 2)
        }
    }
}
