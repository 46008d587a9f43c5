import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import HTTPTypes
import Hummingbird
import NIOCore
import Testing
@testable import ELTServer

@Suite("Admin token")
struct AdminTokenTests {
    static func options(token: String?, host: String = "0.0.0.0") -> ServerOptions {
        var options = ServerOptions(configuration: ELTConfiguration(environment: [:]))
        options.adminHost = host
        options.adminToken = token
        return options
    }

    @Test("a token of fewer than 16 non-whitespace characters is refused, on loopback too, with what to do",
          arguments: ["   ", String(repeating: " ", count: 40), "short", "fifteen-chars-x", "a b c d e f g h i j k l m n o"])
    func weakTokens(token: String) {
        for host in ["0.0.0.0", "127.0.0.1"] {
            #expect(throws: ServerError.self) { try Self.options(token: token, host: host).validate() }
        }
        do {
            try Self.options(token: token).validate()
        } catch {
            #expect(error.description.contains("needs at least 16"), "\(error)")
        }
    }

    @Test("a strong token opens the admin API beyond loopback; no token keeps it on loopback only")
    func strongToken() throws {
        try Self.options(token: "0123456789abcdef").validate()
        try Self.options(token: nil, host: "127.0.0.1").validate()
        #expect(throws: ServerError.self) { try Self.options(token: nil).validate() }
    }

    @Test("the token comparison accepts only the exact token, whatever the length presented")
    func comparison() {
        let token = "0123456789abcdef0123"
        #expect(BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals(token, token))
        for presented in ["", "0", String(token.dropLast()), token + "4", "1123456789abcdef0123", String(repeating: "x", count: 500)] {
            #expect(!BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals(presented, token), "\(presented)")
        }
    }

    @Test("the bearer scheme is case-insensitive and spaces after it are skipped; anything else is refused")
    func schemeCase() {
        let token = "0123456789abcdef0123"
        func request(_ authorization: String) -> Request {
            Request(head: HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/api/queues",
                                      headerFields: [.authorization: authorization]),
                    body: .init(buffer: ByteBuffer()))
        }
        for accepted in ["Bearer \(token)", "bearer \(token)", "BEARER \(token)", "Bearer   \(token)"] {
            #expect(BearerTokenMiddleware<BasicRequestContext>.authorizes(request(accepted), token: token), "\(accepted)")
        }
        for refused in ["Basic \(token)", "Bearer\(token)", "Bearer", "Bearer ", "Bearer wrong", "Bearers \(token)", token] {
            #expect(!BearerTokenMiddleware<BasicRequestContext>.authorizes(request(refused), token: token), "\(refused)")
        }
    }

    @Test("the same --port and --admin-port is refused, naming both; port 0 twice asks for two free ports")
    func samePort() throws {
        var options = Self.options(token: nil, host: "127.0.0.1")
        (options.port, options.adminPort) = (47_000, 47_000)
        #expect {
            try options.validate()
        } throws: { error in
            "\(error)".contains("--port and --admin-port are both 47000")
        }
        (options.port, options.adminPort) = (0, 0)
        try options.validate()
    }
}
