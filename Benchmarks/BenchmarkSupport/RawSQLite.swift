import GRDB

/// What SQLite itself costs, without any journal or store on top: the reference the durable
/// numbers are compared against. Files are opened as the journal and the data database open
/// theirs (GRDB `DatabasePool`: WAL mode, `synchronous = NORMAL`), so the comparison is fair.
public enum RawSQLite {
    /// The median microseconds of one single-row INSERT committed on its own (INSERT + COMMIT),
    /// over `count` inserts into a new table of the file at `path`.
    public static func commitLatencyMicroseconds(path: String, count: Int) throws -> Double {
        let pool = try open(path)
        try pool.write { try $0.execute(sql: "CREATE TABLE IF NOT EXISTS raw_commit (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)") }
        var samples: [Double] = []
        samples.reserveCapacity(count)
        for index in 0..<count {
            let start = ContinuousClock.now
            try pool.write { db in
                try db.cachedStatement(sql: "INSERT INTO raw_commit (id, payload) VALUES (?, ?)").execute(arguments: [index, "{}"])
            }
            samples.append(Stopwatch.microseconds(since: start))
        }
        return Statistics.median(of: samples)
    }

    /// Rows per second of a prepared (cached) INSERT of `rows` staging-shaped rows — the columns
    /// and primary key of `users_staging` — committing every `rowsPerTransaction` rows.
    public static func insertRowsPerSecond(path: String, rows: Int, rowsPerTransaction: Int = 1_000) throws -> Double {
        precondition(rows > 0 && rowsPerTransaction > 0, "insertRowsPerSecond needs positive counts")
        let pool = try open(path)
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS raw_insert (
                    id TEXT NOT NULL, workflow_id TEXT NOT NULL, external_id TEXT NOT NULL,
                    organization_id TEXT NOT NULL, connected_integration_id TEXT NOT NULL,
                    name TEXT NOT NULL, email TEXT NOT NULL,
                    PRIMARY KEY (id, organization_id, connected_integration_id, workflow_id))
                """)
        }
        let run = "raw-\(ScratchName.token())"
        let start = ContinuousClock.now
        var written = 0
        while written < rows {
            let first = written
            let last = min(rows, first + rowsPerTransaction)
            try pool.write { db in
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO raw_insert (id, workflow_id, external_id, organization_id, connected_integration_id, name, email)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for number in first..<last {
                    let external = "ext-\(number)"
                    try insert.execute(arguments: [
                        "user-\(number)", run, external, "org-001", "integration-1", "User \(number)", "\(external)@org-001.example.com",
                    ])
                }
            }
            written = last
        }
        return Double(rows) / Stopwatch.seconds(ContinuousClock.now - start)
    }

    private static func open(_ path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            return try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw BenchError("cannot open the raw SQLite file \(path): \(error)")
        }
    }
}
