import Foundation
import JournalPostgres
import Logging
import PostgresNIO
import PostgresSupport

/// Faults a test can inflict on the test Postgres at `ELT_TEST_POSTGRES_URL`.
public enum PostgresFaults {
    /// Terminates every server connection of the journal on `schema` (as a network cut or a
    /// server restart would), from a separate direct connection. Returns how many it ended.
    @discardableResult
    public static func terminateJournalConnections(schema: String) async throws -> Int {
        guard let url = TestEnvironment.postgresURL else {
            throw TestEnvironmentError(description: "ELT_TEST_POSTGRES_URL is not set; run scripts/test.sh, which starts a private PostgreSQL")
        }
        let configuration = try PostgresJournal.connectionConfiguration(url: url)
        let logger = Logger(label: "durable.testing.faults")
        return try await PostgresDirect.withConnection(configuration, database: "the test database", id: 99, logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(PostgresJournal.applicationName(schema: schema))",
                logger: logger)
            var count = 0
            for try await _ in rows { count += 1 }
            return count
        }
    }
}
