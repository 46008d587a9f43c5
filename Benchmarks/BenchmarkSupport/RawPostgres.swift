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
}
