import DurableRuntime
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ELTServer

/// What `/health` shows, and to whom.
@Suite("Health endpoint")
struct HealthRoutesTests {
    static let token = "0123456789abcdef0123"
    static let minimalKeys: Set<String> = ["status", "executor_id", "version"]
    static let fullKeys: Set<String> = ["status", "executor_id", "version", "journal", "journal_reachable", "executors"]

    @Test("off loopback without the admin token, /health shows only status, executor id and version")
    func minimalOffLoopback() async throws {
        // In-process requests have no peer address: they count as off loopback.
        for token in [nil, Self.token] {
            try await AdminAPIHarness(adminToken: token).withHealthEndpoint { _, client in
                for headers: HTTPFields in [[:], [.authorization: "Bearer not-the-token-at-all"], [.authorization: "Bearer "]] {
                    let response = try await client.execute(uri: "/health", method: .get, headers: headers)
                    #expect(response.status == .ok)
                    let health = try jsonObject(response)
                    #expect(Set(health.keys) == Self.minimalKeys, "\(health)")
                    #expect(health["status"] as? String == "ok")
                    #expect(health["executor_id"] as? String == "admin-test")
                    #expect(health["version"] as? String == ELTVersion.current)
                }
            }
        }
    }

    @Test("off loopback with the admin token, /health shows the journal too")
    func fullWithToken() async throws {
        var harness = try AdminAPIHarness(adminToken: Self.token)
        harness.journalLocation = "/var/lib/elt/system.sqlite"
        try await harness.withHealthEndpoint { _, client in
            let response = try await client.execute(uri: "/health", method: .get, headers: [.authorization: "Bearer \(Self.token)"])
            let health = try jsonObject(response)
            #expect(Set(health.keys) == Self.fullKeys, "\(health)")
            #expect(health["journal"] as? String == "/var/lib/elt/system.sqlite")
            #expect(health["journal_reachable"] as? Bool == true)
            #expect(health["executors"] is [Any], "the full view lists the registered executors")
        }
    }

    @Test("the full view names the PENDING workflow without progress for longest, past the threshold")
    func stalledWorkflow() async throws {
        let harness = try AdminAPIHarness(adminToken: Self.token)
        try await harness.withHealthEndpoint { _, client in
            var response = try await client.execute(uri: "/health", method: .get, headers: [.authorization: "Bearer \(Self.token)"])
            let before = try jsonObject(response)
            #expect(before["executors"] != nil && before["stalled"] == nil, "the full view, with nothing stalled: no key")
            // A workflow of an executor that stopped ten minutes ago, written as another process would.
            let backend = try harness.journal.open()
            let tenMinutesAgo = journalTimestamp() - 600_000
            _ = try await backend.commit([.insertWorkflow(WorkflowRecord(
                id: "stuck", name: EchoSteps.name, status: .pending, inputJSON: "\"x\"", executorID: "gone",
                createdAt: tenMinutesAgo, updatedAt: tenMinutesAgo))])
            response = try await client.execute(uri: "/health", method: .get, headers: [.authorization: "Bearer \(Self.token)"])
            let stalled = try #require(try jsonObject(response)["stalled"] as? [String: Any])
            #expect(stalled["workflow_id"] as? String == "stuck")
            #expect(stalled["executor_id"] as? String == "gone")
            #expect((stalled["stalled_seconds"] as? Int).map { $0 >= 600 } == true, "\(stalled)")
            #expect((stalled["last_progress_at"] as? String)?.hasSuffix("Z") == true)
        }
    }

    @Test("from loopback, /health shows the full view without a token")
    func fullFromLoopback() async throws {
        try await AdminAPIHarness().withHealthEndpoint(.live) { _, client in
            let response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .ok)
            #expect(Set(try jsonObject(response).keys) == Self.fullKeys)
        }
    }

    @Test("the full view shows a Postgres journal as user@host:port/db, never its password")
    func fullViewHasNoPassword() async throws {
        let configuration = ELTConfiguration(systemDatabaseURL: "postgres://elt:s3cret-pw@db.internal:5433/journal?sslmode=require",
                                             environment: [:])
        var harness = try AdminAPIHarness(adminToken: Self.token)
        harness.journalLocation = configuration.journalLocation
        try await harness.withHealthEndpoint { _, client in
            let response = try await client.execute(uri: "/health", method: .get, headers: [.authorization: "Bearer \(Self.token)"])
            #expect(try jsonObject(response)["journal"] as? String == "postgres://elt@db.internal:5433/journal (schema durable)")
            #expect(!String(buffer: response.body).contains("s3cret"))
        }
    }

    @Test("loopback is 127.0.0.0/8, ::1, IPv4-mapped 127.x and a Unix socket; any other or no address is not")
    func loopbackAddresses() throws {
        for address in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
            #expect(ServerRequestContext.isLoopback(try SocketAddress(ipAddress: address, port: 1)), "\(address)")
        }
        for address in ["10.0.0.5", "192.168.1.20", "0.0.0.0", "128.0.0.1", "::", "::2", "fe80::1", "::ffff:10.0.0.1", "2001:db8::1"] {
            #expect(!ServerRequestContext.isLoopback(try SocketAddress(ipAddress: address, port: 1)), "\(address)")
        }
        #expect(ServerRequestContext.isLoopback(try SocketAddress(unixDomainSocketPath: "/tmp/elt.sock")))
        #expect(!ServerRequestContext.isLoopback(nil))
    }

    @Test("the health endpoint listens on loopback unless --host says otherwise")
    func loopbackByDefault() {
        #expect(ServerOptions(configuration: ELTConfiguration(environment: [:])).host == "127.0.0.1")
    }
}
