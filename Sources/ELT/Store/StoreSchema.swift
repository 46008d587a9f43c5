import GRDB

/// The data database's tables: the seed's four, with its columns and primary keys, and the
/// bookkeeping that makes every stage exactly-once.
///
/// Timestamps default to `strftime('%Y-%m-%d %H:%M:%f', 'now')`, the text the seed's
/// `datetime('subsec')` gives (that modifier needs SQLite 3.42; Debian 12 ships 3.40).
enum StoreSchema {
    static let now = "(strftime('%Y-%m-%d %H:%M:%f', 'now'))"

    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS connected_integrations (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL,
                provider TEXT NOT NULL,
                provider_data TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS users_staging (
                id TEXT NOT NULL,
                workflow_id TEXT NOT NULL,
                external_id TEXT NOT NULL,
                organization_id TEXT NOT NULL,
                connected_integration_id TEXT NOT NULL,
                name TEXT NOT NULL,
                email TEXT NOT NULL,
                created_at DATETIME DEFAULT \(now),
                PRIMARY KEY (id, organization_id, connected_integration_id, workflow_id, created_at)
            );
            CREATE INDEX IF NOT EXISTS users_staging_run
                ON users_staging (workflow_id, organization_id, connected_integration_id);
            CREATE TABLE IF NOT EXISTS users_cdc (
                id TEXT NOT NULL,
                workflow_id TEXT NOT NULL,
                external_id TEXT NOT NULL,
                organization_id TEXT NOT NULL,
                connected_integration_id TEXT NOT NULL,
                name TEXT NOT NULL,
                email TEXT NOT NULL,
                change_type TEXT NOT NULL,
                detected_at DATETIME DEFAULT \(now),
                PRIMARY KEY (id, organization_id, connected_integration_id, workflow_id, detected_at)
            );
            CREATE INDEX IF NOT EXISTS users_cdc_run
                ON users_cdc (workflow_id, organization_id, connected_integration_id);
            CREATE TABLE IF NOT EXISTS users_latest (
                id TEXT NOT NULL,
                external_id TEXT NOT NULL,
                organization_id TEXT NOT NULL,
                connected_integration_id TEXT NOT NULL,
                name TEXT NOT NULL,
                email TEXT NOT NULL,
                last_updated DATETIME DEFAULT \(now),
                PRIMARY KEY (id, organization_id, connected_integration_id)
            );
            CREATE INDEX IF NOT EXISTS users_latest_tenant
                ON users_latest (organization_id, connected_integration_id);
            CREATE TABLE IF NOT EXISTS users_quarantine (
                workflow_id TEXT NOT NULL,
                organization_id TEXT NOT NULL,
                connected_integration_id TEXT NOT NULL,
                page INTEGER NOT NULL,
                position INTEGER NOT NULL,
                raw_json TEXT NOT NULL,
                reason TEXT NOT NULL,
                quarantined_at DATETIME DEFAULT \(now),
                PRIMARY KEY (workflow_id, organization_id, connected_integration_id, page, position)
            );
            CREATE TABLE IF NOT EXISTS stage_completions (
                workflow_id TEXT NOT NULL,
                organization_id TEXT NOT NULL,
                connected_integration_id TEXT NOT NULL,
                stage TEXT NOT NULL,
                part INTEGER NOT NULL,
                outcome TEXT NOT NULL,
                completed_at DATETIME DEFAULT \(now),
                PRIMARY KEY (workflow_id, organization_id, connected_integration_id, stage, part)
            );
            """)
    }
}
