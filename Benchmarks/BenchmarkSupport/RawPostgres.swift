import Foundation
import PostgresNIO

/// What Postgres itself costs, without the journal on top: the reference for checkpoint costs.
public enum RawPostgres {
    /// The median microseconds of one single-row INSERT in autocommit mode (INSERT + COMMIT,
    /// one round trip), over `count` inserts into a new table that is dropped afterwards.
    public static func commitLatencyMicroseconds(url: String, count: Int) async throws -> Double {
        try await PostgresSession.withConnection(url: url) { connection, logger in
            let table = "raw_bench_\(ScratchName.token())"
            try await connection.query("CREATE TABLE \(unescaped: table) (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)", logger: logger)
            var samples: [Double] = []
            samples.reserveCapacity(count)
            do {
                for index in 0..<count {
                    let start = ContinuousClock.now
                    try await connection.query("INSERT INTO \(unescaped: table) (id, payload) VALUES (\(index), \("{}"))", logger: logger)
                    samples.append(Stopwatch.microseconds(since: start))
                }
            } catch {
                _ = try? await connection.query("DROP TABLE IF EXISTS \(unescaped: table)", logger: logger)
                throw error
            }
            try await connection.query("DROP TABLE \(unescaped: table)", logger: logger)
            return Statistics.median(of: samples)
        }
    }

    /// Rows per second of `INSERT … SELECT FROM unnest(…)` statements of `rowsPerStatement`
    /// rows each, each statement its own transaction, into a new table keyed by a random
    /// 36-character text id (`COLLATE "C"`, as the data tables' keys) with a 100-byte payload:
    /// what the server itself needs to store a pipeline's rows, one writer at a time. The table
    /// is dropped afterwards.
    public static func insertRowsPerSecond(url: String, rows: Int, rowsPerStatement: Int) async throws -> Double {
        precondition(rows > 0 && rowsPerStatement > 0, "insertRowsPerSecond needs positive counts, got \(rows), \(rowsPerStatement)")
        return try await PostgresSession.withConnection(url: url) { connection, logger in
            let table = "raw_rows_\(ScratchName.token())"
            try await connection.query(
                "CREATE TABLE \(unescaped: table) (id TEXT COLLATE \"C\" PRIMARY KEY, payload TEXT NOT NULL)", logger: logger)
            let payload = String(repeating: "p", count: 100)
            var elapsed = 0.0
            do {
                var written = 0
                while written < rows {
                    let count = min(rowsPerStatement, rows - written)
                    let ids = (0..<count).map { _ in UUID().uuidString.lowercased() }
                    let payloads = [String](repeating: payload, count: count)
                    let start = ContinuousClock.now
                    try await connection.query("""
                        INSERT INTO \(unescaped: table) (id, payload) SELECT * FROM unnest(\(ids)::text[], \(payloads)::text[])
                        """, logger: logger)
                    elapsed += Stopwatch.microseconds(since: start)
                    written += count
                }
            } catch {
                _ = try? await connection.query("DROP TABLE IF EXISTS \(unescaped: table)", logger: logger)
                throw error
            }
            try await connection.query("DROP TABLE \(unescaped: table)", logger: logger)
            return Double(rows) / (elapsed / 1_000_000)
        }
    }
}
