/// The journal's Postgres schema, version by version.
enum PostgresSchema {
    /// The DDL of `version`, for tables in `schema` (a validated identifier, quoted here).
    static func statements(version: Int, schema: String) -> [String] {
        let s = "\"\(schema)\""
        switch version {
        case 1:
            return [
                """
                CREATE TABLE IF NOT EXISTS \(s).workflow_status(
                  workflow_id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL,
                  inputs TEXT NOT NULL, output TEXT, error TEXT, executor_id TEXT, queue_name TEXT,
                  recovery_attempts INTEGER NOT NULL DEFAULT 0,
                  max_recovery_attempts INTEGER NOT NULL DEFAULT 100,
                  deduplication_id TEXT, priority INTEGER NOT NULL DEFAULT 0, parent_workflow_id TEXT,
                  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
                """,
                "CREATE INDEX IF NOT EXISTS workflow_status_status_executor ON \(s).workflow_status(status, executor_id)",
                """
                CREATE INDEX IF NOT EXISTS workflow_status_queue
                  ON \(s).workflow_status(queue_name, status, priority, created_at)
                """,
                "CREATE INDEX IF NOT EXISTS workflow_status_created ON \(s).workflow_status(created_at)",
                "CREATE INDEX IF NOT EXISTS workflow_status_parent ON \(s).workflow_status(parent_workflow_id)",
                """
                CREATE UNIQUE INDEX IF NOT EXISTS workflow_status_dedup
                  ON \(s).workflow_status(queue_name, deduplication_id) WHERE deduplication_id IS NOT NULL
                """,
                """
                CREATE TABLE IF NOT EXISTS \(s).operation_outputs(
                  workflow_id TEXT NOT NULL, function_id INTEGER NOT NULL, function_name TEXT NOT NULL,
                  output TEXT, error TEXT, child_workflow_id TEXT,
                  started_at BIGINT NOT NULL, completed_at BIGINT NOT NULL,
                  PRIMARY KEY (workflow_id, function_id))
                """,
            ]
        case 2:
            return [
                """
                CREATE TABLE IF NOT EXISTS \(s).executors(
                  executor_id TEXT PRIMARY KEY, incarnation TEXT NOT NULL, application_version TEXT NOT NULL,
                  host TEXT NOT NULL, pid BIGINT NOT NULL, started_at BIGINT NOT NULL, lease_expires_at BIGINT NOT NULL)
                """,
            ]
        case 3:
            // Fencing: raised by every claim (see WorkflowRecord.ownerGeneration).
            return ["ALTER TABLE \(s).workflow_status ADD COLUMN IF NOT EXISTS owner_generation BIGINT NOT NULL DEFAULT 0"]
        case 4:
            // How many times a step's body ran in the execution that recorded it.
            return ["ALTER TABLE \(s).operation_outputs ADD COLUMN IF NOT EXISTS attempts BIGINT NOT NULL DEFAULT 1"]
        case 5:
            // The trace context the workflow was created in (see WorkflowRecord.traceContext).
            return ["ALTER TABLE \(s).workflow_status ADD COLUMN IF NOT EXISTS trace_context TEXT"]
        case 6:
            // What every process sharing the journal must hold too (see JournalBinding).
            return [
                """
                CREATE TABLE IF NOT EXISTS \(s).journal_bindings(
                  key TEXT PRIMARY KEY, value TEXT NOT NULL, detail TEXT NOT NULL, bound_at BIGINT NOT NULL)
                """,
            ]
        default:
            return []
        }
    }
}
