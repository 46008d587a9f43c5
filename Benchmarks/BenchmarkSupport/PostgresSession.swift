import JournalPostgres
import Logging
import PostgresNIO

/// One direct (unpooled) connection to a Postgres URL for the length of a closure: what the
/// benchmarks use for raw measurements, counts and clean-up, outside any journal's pool.
public enum PostgresSession {
    /// Connects to `url` (parsed as the journal parses it), runs `body`, and closes the connection.
    public static func withConnection<T: Sendable>(
        url: String, _ body: (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let configuration = try PostgresJournal.connectionConfiguration(url: url)
        let logger = Logger(label: "bench.postgres")
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw BenchError("cannot connect to \((try? PostgresJournal.redacted(url: url)) ?? "the Postgres URL"): \(String(reflecting: error))")
        }
        do {
            let result = try await body(connection, logger)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
