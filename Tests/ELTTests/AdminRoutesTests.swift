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
}
