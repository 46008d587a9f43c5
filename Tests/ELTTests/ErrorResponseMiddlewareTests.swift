import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ELTServer

@Suite("Error responses")
struct ErrorResponseMiddlewareTests {
    /// An error whose text must never reach a client: SQL with a bound value.
    struct LeakyError: Error, CustomStringConvertible {
        var description: String { "query failed: SELECT * FROM users WHERE password = 'hunter2'" }
    }

    /// A router like the server's, with routes that fail in the ways a route can.
    static func application(logs: RecordingLogHandler.Recorder) -> some ApplicationProtocol {
        let router = Router(context: ServerRequestContext.self)
        router.add(middleware: ErrorResponseMiddleware())
        router.get("unexpected") { _, _ -> String in throw LeakyError() }
        router.get("refused") { _, _ -> String in throw HTTPError(.conflict, message: "cannot resume workflow w: it is SUCCESS") }
        router.get("bare") { _, _ -> String in throw HTTPError(.badGateway) }
        return Application(router: router, logger: logs.logger(label: "elt-admin", level: .info))
    }

    @Test("an unexpected error in a route answers 500 JSON with a request id, and is logged at error level with that id")
    func unexpectedError() async throws {
        let logs = RecordingLogHandler.Recorder()
        try await Self.application(logs: logs).test(.router) { client in
            let first = try await client.execute(uri: "/unexpected", method: .get)
            let second = try await client.execute(uri: "/unexpected", method: .get)
            for response in [first, second] {
                #expect(response.status == .internalServerError)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let detail = try errorDetail(response)
                #expect(detail.message == "internal error; see the server log for request \(detail.requestID)")
                #expect(!String(buffer: response.body).contains("hunter2"))
                #expect(!String(buffer: response.body).contains("SELECT"))
                let logged = logs.logged.filter { $0.metadata["request_id"] == detail.requestID }
                #expect(logged.count == 1)
                #expect(logged.first?.level == .error)
                #expect(logged.first?.metadata["hb.request.id"] == detail.requestID, "the id Hummingbird logs the request under")
                #expect(logged.first?.metadata["error"] == LeakyError().description, "the log keeps what the body hides")
                #expect(logged.first?.metadata["path"] == "/unexpected")
            }
            #expect(try errorDetail(first).requestID != errorDetail(second).requestID)
            let id = try errorDetail(first).requestID
            #expect(String(buffer: first.body)
                == #"{"error":{"message":"internal error; see the server log for request \#(id)","request_id":"\#(id)"}}"#)
        }
    }

    @Test("an HTTPError keeps its status and message and gains the request id; nothing is logged")
    func httpError() async throws {
        let logs = RecordingLogHandler.Recorder()
        try await Self.application(logs: logs).test(.router) { client in
            let refused = try await client.execute(uri: "/refused", method: .get)
            #expect(refused.status == .conflict)
            let detail = try errorDetail(refused)
            #expect(detail.message == "cannot resume workflow w: it is SUCCESS")
            #expect(!detail.requestID.isEmpty)

            let bare = try await client.execute(uri: "/bare", method: .get)
            #expect(bare.status == .badGateway)
            #expect(try errorDetail(bare).message == "bad gateway")

            let missing = try await client.execute(uri: "/nowhere", method: .get)
            #expect(missing.status == .notFound)
            #expect(try errorDetail(missing).message == "no route for GET /nowhere")
            #expect(logs.logged.filter { $0.level >= .error }.isEmpty)
        }
    }

    @Test("the admin API's 401 for a missing or wrong token is JSON with a request id")
    func unauthorized() async throws {
        let token = "0123456789abcdef0123"
        try await AdminAPIHarness(adminToken: token).withAdminAPI { _, client in
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong-token-wrong-token"], [.authorization: token]] {
                let response = try await client.execute(uri: "/api/queues", method: .get, headers: headers)
                #expect(response.status == .unauthorized)
                let detail = try errorDetail(response)
                #expect(detail.message.contains("missing or wrong bearer token: send 'Authorization: Bearer <ELT_ADMIN_TOKEN>'"))
                #expect(!detail.requestID.isEmpty)
            }
            let allowed = try await client.execute(uri: "/api/queues", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(allowed.status == .ok)
        }
    }
}
