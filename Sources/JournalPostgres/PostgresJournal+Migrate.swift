import DurableRuntime
import PostgresNIO
import PostgresSupport

extension PostgresJournal {
    /// Checks that the server is reachable and the credentials work (failing within about 5 s),
    /// then applies pending migrations over that same direct connection, so it works whether or
    /// not ``run()`` has started. Safe when several processes migrate at once.
    public func migrate() async throws {
        let connection = try await connectDirectly(operation: "migrate")
        do {
            try await applyMigrations(on: connection)
        } catch {
            try? await connection.close()
            if let error = error as? JournalError { throw error }
            if error is CancellationError { throw error }
            throw JournalError.queryFailed(operation: "migrate", reason: PostgresErrorText.describe(error))
        }
        try? await connection.close()
    }

    private func applyMigrations(on connection: PostgresConnection) async throws {
        try await connection.boundedQuery("BEGIN", logger: logger, timeout: statementTimeout)
        do {
            // Serialises concurrent migrators of this schema (two-key form: its own lock space).
            try await connection.boundedQuery(
                "SELECT pg_advisory_xact_lock(1785624001, hashtext(\(schema)))", logger: logger, timeout: statementTimeout)
            try await connection.boundedQuery("CREATE SCHEMA IF NOT EXISTS \(unescaped: "\"\(schema)\"")", logger: logger, timeout: statementTimeout)
            try await connection.boundedQuery(
                """
                CREATE TABLE IF NOT EXISTS \(unescaped: table("journal_migrations"))(
                  version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)
                """, logger: logger, timeout: statementTimeout)
            var current = 0
            let rows = try await connection.boundedQuery(
                "SELECT COALESCE(MAX(version), 0) FROM \(unescaped: table("journal_migrations"))", logger: logger, timeout: statementTimeout)
            for try await (version) in rows.decode(Int.self) { current = version }
            if current > Self.schemaVersion {
                throw JournalError.schemaTooNew(found: current, supported: Self.schemaVersion)
            }
            if current < Self.schemaVersion {
                for version in (current + 1)...Self.schemaVersion {
                    for statement in PostgresSchema.statements(version: version, schema: schema) {
                        try await connection.boundedQuery(PostgresQuery(unsafeSQL: statement), logger: logger, timeout: statementTimeout)
                    }
                    try await connection.boundedQuery(
                        """
                        INSERT INTO \(unescaped: table("journal_migrations"))(version, applied_at)
                        VALUES (\(version), \(journalTimestamp()))
                        """, logger: logger, timeout: statementTimeout)
                }
            }
            // This build's group-commit function (named by its statement's digest, see
            // CommitBatchStatement.functionName), unless an earlier open created it.
            let found = try await connection.boundedQuery(
                """
                SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = \(schema) AND p.proname = \(CommitBatchStatement.functionName)
                """, logger: logger, timeout: statementTimeout)
            var functions = 0
            for try await (count) in found.decode(Int.self) { functions = count }
            if functions == 0 {
                try await connection.boundedQuery(
                    PostgresQuery(unsafeSQL: CommitBatchStatement.functionSQL(schema: schema)), logger: logger, timeout: statementTimeout)
            }
            try await connection.boundedQuery("COMMIT", logger: logger, timeout: statementTimeout)
        } catch {
            _ = try? await connection.boundedQuery("ROLLBACK", logger: logger, timeout: statementTimeout)
            throw error
        }
    }
}
