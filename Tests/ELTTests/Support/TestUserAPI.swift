import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import Logging
import Synchronization

/// A users API served by Hummingbird on 127.0.0.1 for ``HTTPUserSource`` tests.
///
/// `GET /users?page=&page_size=&snapshot=` answers with ``UserGenerator`` pages of
/// ``integration`` in the chosen ``BodyForm``, unless a scripted reply is queued: queued replies
/// answer the next requests, in order, and then the generator takes over again.
final class TestUserAPI: Sendable {
    /// How a page body is written.
    enum BodyForm: String, Sendable, CaseIterable, CustomStringConvertible {
        /// A bare JSON array of records.
        case array
        /// `{"users": [...], "has_more": bool}`.
        case object

        var description: String { rawValue }
    }

    /// A canned answer to one request.
    enum Reply: Sendable {
        /// This status, headers and body.
        case status(Int, headers: [String: String] = [:], body: String = "")
        /// 200 with this body.
        case body(String)
        /// The generator's page, after this pause.
        case stall(Duration)
    }

    /// One request as the server saw it.
    struct SeenRequest: Sendable {
        var path: String
        var query: [String: String]
        var accept: String?
        var authorization: String? = nil
    }

    /// The integration whose users are served: organization `org-001`, provider `okta`.
    static let integration = ConnectedIntegration(
        organizationID: "org-001", provider: "okta", providerData: ProviderData(permissionSourceName: "Okta"))

    /// The generator pages come from.
    let generator: UserGenerator
    /// How pages are written.
    let form: BodyForm

    private struct State {
        var port = 0
        var script: [Reply] = []
        var requests: [SeenRequest] = []
    }
    private let state = Mutex(State())

    private init(generator: UserGenerator, form: BodyForm) {
        self.generator = generator
        self.form = form
    }

    /// The port the server listens on.
    var port: Int { state.withLock { $0.port } }

    /// Every request received so far, in order.
    var requests: [SeenRequest] { state.withLock { $0.requests } }

    /// Queues `replies` for the next requests.
    func script(_ replies: Reply...) {
        state.withLock { $0.script += replies }
    }

    /// ``integration`` with its `api_endpoint` at this server: `http://127.0.0.1:<port><path>`.
    func integration(path: String = "/users", userInfo: String = "") -> ConnectedIntegration {
        var integration = Self.integration
        integration.providerData.apiEndpoint = "http://\(userInfo)127.0.0.1:\(port)\(path)"
        return integration
    }

    /// Runs `body` with a server started on a free port, and stops the server afterwards.
    static func withRunning<T: Sendable>(
        churn: ChurnModel = .none, baseCount: Int = 25, form: BodyForm = .array,
        _ body: (TestUserAPI) async throws -> T
    ) async throws -> T {
        let api = TestUserAPI(
            generator: UserGenerator(integrationID: integration.id, organizationID: integration.organizationID,
                                     churn: churn, baseCount: baseCount),
            form: form)
        let router = Router()
        // `/missing` answers only scripted replies, or 404 like any unknown path.
        // Every answer closes its connection: the sources share one pooled HTTP client, and a
        // kept-alive connection to an earlier test's server on the same port (the kernel hands
        // out freed ports again) would send this test's requests to that server's script.
        router.get("users") { request, _ in try await api.respond(to: request).closingConnection() }
        router.get("missing") { request, _ in try await api.respond(to: request).closingConnection() }
        return try await withTestServer(router: router) { port in
            api.state.withLock { $0.port = port }
            return try await body(api)
        }
    }

    /// The reply to one request: the next scripted one, or the generator's page.
    private func respond(to request: Request) async throws -> Response {
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
        let seen = SeenRequest(path: request.uri.path, query: query, accept: request.headers[.accept],
                               authorization: request.headers[.authorization])
        let scripted = state.withLock { state -> Reply? in
            state.requests.append(seen)
            return state.script.isEmpty ? nil : state.script.removeFirst()
        }
        switch scripted {
        case let .status(status, headers, body)?:
            var fields = HTTPFields()
            for (name, value) in headers {
                if let name = HTTPField.Name(name) { fields[name] = value }
            }
            return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
        case .body(let body)?:
            return Self.json(body)
        case .stall(let pause)?:
            try await Task.sleep(for: pause)
            return try page(query)
        case nil where request.uri.path == "/users":
            return try page(query)
        case nil:
            return Response(status: .notFound)
        }
    }

    /// The generator's page for the request's query, in ``form``.
    private func page(_ query: [String: String]) throws -> Response {
        guard let page = query["page"].flatMap(Int.init), let pageSize = query["page_size"].flatMap(Int.init),
              let snapshot = query["snapshot"].flatMap(Int.init), page >= 0, pageSize > 0, snapshot >= 0
        else {
            return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: "page, page_size and snapshot are required")))
        }
        let users = generator.page(snapshot: snapshot, page: page, pageSize: pageSize).map { RawSourceRecord(user: $0).json }
        let json: JSONValue
        switch form {
        case .array:
            json = .array(users)
        case .object:
            let hasMore = !generator.page(snapshot: snapshot, page: page + 1, pageSize: pageSize).isEmpty
            json = .object(["users": .array(users), "has_more": .bool(hasMore)])
        }
        return Self.json(String(decoding: try JSONEncoder().encode(json), as: UTF8.self))
    }

    /// A 200 response with `body` as JSON.
    private static func json(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The server never reported its port.
}

extension Response {
    /// This response with `Connection: close`, so the client does not pool its connection.
    func closingConnection() -> Response {
        var response = self
        response.headers[.connection] = "close"
        return response
    }
}
