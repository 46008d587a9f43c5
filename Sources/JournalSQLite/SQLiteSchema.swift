import DurableRuntime
import GRDB

/// The journal's SQLite schema and its versioned migrations.
enum SQLiteSchema {
    /// The statements of each version, in order; index 0 is version 1.
    static let versions: [[String]] = [
        [
            """
            CREATE TABLE IF NOT EXISTS workflow_status(
              workflow_id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL,
              inputs TEXT NOT NULL, output TEXT, error TEXT, executor_id TEXT, queue_name TEXT,
              recovery_attempts INTEGER NOT NULL DEFAULT 0,
              max_recovery_attempts INTEGER NOT NULL DEFAULT 100,
              deduplication_id TEXT, priority INTEGER NOT NULL DEFAULT 0, parent_workflow_id TEXT,
              created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS workflow_status_status_executor ON workflow_status(status, executor_id)",
            """
            CREATE INDEX IF NOT EXISTS workflow_status_queue
              ON workflow_status(queue_name, status, priority, created_at)
            """,
            "CREATE INDEX IF NOT EXISTS workflow_status_created ON workflow_status(created_at)",
            "CREATE INDEX IF NOT EXISTS workflow_status_parent ON workflow_status(parent_workflow_id)",
            """
            CREATE UNIQUE INDEX IF NOT EXISTS workflow_status_dedup
              ON workflow_status(queue_name, deduplication_id) WHERE deduplication_id IS NOT NULL
            """,
            """
            CREATE TABLE IF NOT EXISTS operation_outputs(
              workflow_id TEXT NOT NULL, function_id INTEGER NOT NULL, function_name TEXT NOT NULL,
              output TEXT, error TEXT, child_workflow_id TEXT,
              started_at BIGINT NOT NULL, completed_at BIGINT NOT NULL,
              PRIMARY KEY (workflow_id, function_id))
            """,
        ],
        [
            """
            CREATE TABLE IF NOT EXISTS executors(
              executor_id TEXT PRIMARY KEY, incarnation TEXT NOT NULL, application_version TEXT NOT NULL,
              host TEXT NOT NULL, pid INTEGER NOT NULL, started_at BIGINT NOT NULL, lease_expires_at BIGINT NOT NULL)
            """,
        ],
        [
            // Fencing: raised by every claim (see WorkflowRecord.ownerGeneration).
            "ALTER TABLE workflow_status ADD COLUMN owner_generation INTEGER NOT NULL DEFAULT 0",
        ],
        [
            // How many times a step's body ran in the execution that recorded it.
            "ALTER TABLE operation_outputs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1",
        ],
        [
            // The trace context the workflow was created in (see WorkflowRecord.traceContext).
            "ALTER TABLE workflow_status ADD COLUMN trace_context TEXT",
        ],
        [
            // What every process sharing the journal must hold too (see JournalBinding).
            """
            CREATE TABLE IF NOT EXISTS journal_bindings(
              key TEXT PRIMARY KEY, value TEXT NOT NULL, detail TEXT NOT NULL, bound_at BIGINT NOT NULL)
            """,
        ],
    ]

    /// Brings the schema to `supported`, inside the caller's `IMMEDIATE` transaction.
    static func migrate(_ db: Database, supported: Int) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS journal_migrations(
                  version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)
                """)
        let current = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM journal_migrations") ?? 0
        if current > supported {
            throw JournalError.schemaTooNew(found: current, supported: supported)
        }
        guard current < supported else { return }
        for version in (current + 1)...supported {
            for statement in versions[version - 1] {
                try db.execute(sql: statement)
            }
            try db.execute(
                sql: "INSERT INTO journal_migrations(version, applied_at) VALUES (?, ?)",
                arguments: [version, journalTimestamp()])
        }
    }
}
