import Foundation
import ELT
import GRDB

/// The data database's tables: the seed's four, with its columns and primary keys, and the
/// bookkeeping that makes every stage exactly-once.
///
/// The primary keys have the seed's columns, ordered tenant and run first (`workflow_id,
/// organization_id, connected_integration_id, id, …` for staging and CDC, `organization_id,
/// connected_integration_id, id` for latest). The columns, and so the uniqueness, are the
/// seed's; the order puts one run's rows next to each other in the index. A batch then writes
/// a few neighbouring pages instead of one random page per user, a stage's queries read one
/// range, and the key also serves every per-run and per-tenant lookup, so no second index is
/// kept. (Version 1 led with the random user id and had a second index per table; version 2
/// rebuilds those tables, keeping every row and its rowid.)
///
/// Timestamps default to `strftime('%Y-%m-%d %H:%M:%f', 'now')`, the text the seed's
/// `datetime('subsec')` gives (that modifier needs SQLite 3.42; Debian 12 ships 3.40).
enum StoreSchema {
    static let now = "(strftime('%Y-%m-%d %H:%M:%f', 'now'))"

    /// The schema version this code writes (`PRAGMA user_version`).
    static let currentVersion = 4

    /// Brings the database to ``currentVersion`` in one `IMMEDIATE` transaction: the version is
    /// read under the write lock, so two processes opening a new data directory at once migrate
    /// it once (the second waits, then finds it done). A newer version is refused.
    static func migrate(_ writer: some DatabaseWriter) throws {
        try writer.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                guard version <= currentVersion else {
                    throw StoreError.corrupt(
                        what: "the data database's schema",
                        reason: "version \(version) is newer than this program's \(currentVersion); use a newer elt, or another --data-path")
                }
                if version < 1 { try createVersion1(db) }
                if version < 2 { try rebuildRunFirst(db) }
                if version < 3 { try addOccurrencesAndRuns(db) }
                if version < 4 { try addIdentity(db) }
                if version < currentVersion { try db.execute(sql: "PRAGMA user_version = \(currentVersion)") }
                return .commit
            }
        }
    }

    /// The version 1 schema. `IF NOT EXISTS`, since releases before versioning created these
    /// tables and left the version at 0.
    private static func createVersion1(_ db: Database) throws {
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

    /// Version 2: staging, CDC and latest with run-first (tenant-first) keys and no second
    /// index.
    private static func rebuildRunFirst(_ db: Database) throws {
        let user = ["id TEXT NOT NULL", "workflow_id TEXT NOT NULL", "external_id TEXT NOT NULL",
                    "organization_id TEXT NOT NULL", "connected_integration_id TEXT NOT NULL",
                    "name TEXT NOT NULL", "email TEXT NOT NULL"]
        try rebuild(db, "users_staging", columns: user + ["created_at DATETIME DEFAULT \(now)"],
                    key: "workflow_id, organization_id, connected_integration_id, id, created_at")
        try rebuild(db, "users_cdc", columns: user + ["change_type TEXT NOT NULL", "detected_at DATETIME DEFAULT \(now)"],
                    key: "workflow_id, organization_id, connected_integration_id, id, detected_at")
        try rebuild(db, "users_latest", columns: user.filter { !$0.hasPrefix("workflow_id") } + ["last_updated DATETIME DEFAULT \(now)"],
                    key: "organization_id, connected_integration_id, id")
    }

    /// Version 4: `store_identity`, one row holding a random id that names this database
    /// (``DataStoreStamp``).
    private static func addIdentity(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS store_identity (id TEXT NOT NULL)")
        try db.execute(sql: "INSERT INTO store_identity (id) SELECT ? WHERE NOT EXISTS (SELECT 1 FROM store_identity)",
                       arguments: [UUID().uuidString.lowercased()])
    }

    /// Version 3:
    /// - `users_staging` keys each occurrence by its source `page` and `position` instead of
    ///   `created_at`, so one user twice in a snapshot (on two pages of a batch, staged in the
    ///   same millisecond) is two rows, and CDC's dedup keeps the later occurrence
    ///   deterministically. Old rows take their rowid as page (their insertion order).
    /// - `users_quarantine.user_id`: the id of a quarantined record when it had a usable one, so
    ///   that user counts as present for delete detection.
    /// - `tenant_runs`: each pipeline run's per-tenant sequence number (its start order), when it
    ///   was applied to `users_latest` and synced, or which newer run superseded it. It orders
    ///   the runs of one tenant and is the outbox the sync catches up from.
    private static func addOccurrencesAndRuns(_ db: Database) throws {
        let names = "id, workflow_id, external_id, organization_id, connected_integration_id, name, email"
        try db.execute(sql: """
            CREATE TABLE users_staging_v3 (
                id TEXT NOT NULL, workflow_id TEXT NOT NULL, external_id TEXT NOT NULL,
                organization_id TEXT NOT NULL, connected_integration_id TEXT NOT NULL,
                name TEXT NOT NULL, email TEXT NOT NULL,
                page INTEGER NOT NULL, position INTEGER NOT NULL,
                created_at DATETIME DEFAULT \(now),
                PRIMARY KEY (workflow_id, organization_id, connected_integration_id, id, page, position));
            INSERT INTO users_staging_v3 (rowid, \(names), page, position, created_at)
                SELECT rowid, \(names), rowid, 0, created_at FROM users_staging;
            DROP TABLE users_staging;
            ALTER TABLE users_staging_v3 RENAME TO users_staging;
            ALTER TABLE users_quarantine ADD COLUMN user_id TEXT;
            CREATE TABLE IF NOT EXISTS tenant_runs (
                organization_id TEXT NOT NULL,
                connected_integration_id TEXT NOT NULL,
                workflow_id TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                registered_at DATETIME DEFAULT \(now),
                applied_at DATETIME,
                synced_at DATETIME,
                superseded_by TEXT,
                PRIMARY KEY (organization_id, connected_integration_id, workflow_id),
                UNIQUE (organization_id, connected_integration_id, sequence)
            );
            """)
    }

    /// Replaces `table` by a table with the column definitions `columns` (each starting with
    /// its name) and primary key `key`, copying every row with its rowid (the dedup's
    /// tie-break). Names are this file's constants, never data.
    private static func rebuild(_ db: Database, _ table: String, columns: [String], key: String) throws {
        let names = columns.map { $0.prefix { $0 != " " } }.joined(separator: ", ")
        try db.execute(sql: """
            CREATE TABLE \(table)_v2 (\(columns.joined(separator: ", ")), PRIMARY KEY (\(key)));
            INSERT INTO \(table)_v2 (rowid, \(names)) SELECT rowid, \(names) FROM \(table);
            DROP TABLE \(table);
            ALTER TABLE \(table)_v2 RENAME TO \(table);
            """)
    }
}
