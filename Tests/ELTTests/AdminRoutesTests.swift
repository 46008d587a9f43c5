import DurableRuntime
import DurableTesting
import ELT
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ELTServer

/// The admin API in-process: refused fork ids, body limits and journal failures.
@Suite("Admin routes")
struct AdminRoutesTests {
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
