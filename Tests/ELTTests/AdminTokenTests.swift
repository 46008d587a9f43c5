import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Hummingbird
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
}
