import Foundation
import PostgresNIO
import PostgresSupport
import Testing

/// The fail-fast direct connect every Postgres store opens its connections with.
@Suite("Postgres direct connect")
struct PostgresDirectTests {
    /// A connect cancelled (or timed out) while under way may still succeed afterwards; the
    /// connection it makes must be closed, not dropped. (A CI run crashed on postgres-nio's
    /// "deinitialized before being closed" assertion when a runtime stopped while its journal
    /// was migrating.)
    @Test("a connect cancelled while it is under way leaves no connection open on the server",
          .enabled(if: TestEnvironment.wantsPostgres, "ELT_TEST_POSTGRES_URL is unset"))
    func cancelledConnectLeavesNothingOpen() async throws {
        let url = try #require(TestEnvironment.postgresURL, Comment(rawValue: TestEnvironment.missingPostgres))
        let name = "direct-cancel-" + UUID().uuidString.prefix(8).lowercased()
        var configuration = try PostgresEndpoint(url: url).connectionConfiguration()
        configuration.options.additionalStartupParameters = [("application_name", name)]
        // Cancel at delays across a connect's handshake (a few ms here), several times each.
        var connected = 0
        for delay in [0, 100, 300, 600, 1_000, 2_000, 3_000, 5_000, 8_000, 13_000] {
            for _ in 0..<3 {
                let attempt = Task {
                    try await PostgresDirect.connect(configuration, database: "test", logger: testLogger)
                }
                try await Task.sleep(for: .microseconds(delay))
                attempt.cancel()
                if case .success(let connection) = await attempt.result {
                    connected += 1
                    try await connection.close()
                }
            }
        }
        // What the server still has open under this name once closes have arrived.
        var open = -1
        let deadline = ContinuousClock.now + .seconds(10)
        while open != 0, ContinuousClock.now < deadline {
            open = try await withDirectPostgres { connection in
                let rows = try await connection.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = \(name)", logger: testLogger)
                var count = 0
                for try await (value) in rows.decode(Int.self) { count = value }
                return count
            }
            if open != 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(open == 0, "connections left open by cancelled connects (\(connected) of 30 attempts connected before their cancel)")
    }
}
