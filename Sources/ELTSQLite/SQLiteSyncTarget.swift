import DurableRuntime
import ELT
import Foundation
import GRDB
import SQLiteSupport

/// The sync target when no Postgres is configured: a second SQLite database with the same
/// `users` and `sync_runs` tables as the Postgres target.
public final class SQLiteSyncTarget: SyncTarget {
    /// The database file.
    public let location: String
    /// `SQLite`.
    public var kind: String { "SQLite" }
    private let pool: DatabasePool
    /// Where writes run first, on the caller's thread (see ``InlineWriter``).
    private let inlineWriter: InlineWriter

    /// Opens (creating if needed) the target database at `path`.
    public init(path: String) throws {
        location = path
        do {
            pool = try SharedSQLite.openPool(path: path, label: "elt.sync")
            inlineWriter = try SharedSQLite.openInlineWriter(path: path, label: "elt.sync", pool: pool)
        } catch {
            throw SyncTargetError(location: path, operation: "open", reason: DatabaseErrorText.describe(error))
        }
    }

    /// Creates `users`, `sync_runs` and `sync_identity` (one row: a random id).
    public func prepare() async throws {
        try await write("create tables") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS users (
                    id TEXT NOT NULL,
                    external_id TEXT NOT NULL,
                    organization_id TEXT NOT NULL,
                    connected_integration_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    email TEXT NOT NULL,
                    synced_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
                    PRIMARY KEY (id, organization_id, connected_integration_id)
                );
                CREATE TABLE IF NOT EXISTS sync_runs (
                    workflow_id TEXT NOT NULL,
                    organization_id TEXT NOT NULL,
                    connected_integration_id TEXT NOT NULL,
                    upserts INTEGER NOT NULL,
                    deletes INTEGER NOT NULL,
                    synced_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
                    PRIMARY KEY (workflow_id, organization_id, connected_integration_id)
                );
                CREATE TABLE IF NOT EXISTS sync_identity (id TEXT NOT NULL);
                """)
            try db.execute(sql: "INSERT INTO sync_identity (id) SELECT ? WHERE NOT EXISTS (SELECT 1 FROM sync_identity)",
                           arguments: [UUID().uuidString.lowercased()])
        }
    }

    /// The id in `sync_identity` (created by ``prepare()``, which must have run).
    public func identity() async throws -> String {
        do {
            let id = try await pool.read { db in try String.fetchOne(db, sql: "SELECT id FROM sync_identity LIMIT 1") }
            guard let id else { throw SyncTargetError(location: location, operation: "read the identity", reason: "sync_identity is empty") }
            return id
        } catch let error as SyncTargetError {
            throw error
        } catch {
            throw SyncTargetError(location: location, operation: "read the identity", reason: DatabaseErrorText.describe(error),
                                  isTransient: DatabaseErrorText.isTransient(error))
        }
    }

    /// Upserts and deletes the run's changes and records the run, in one transaction.
    ///
    /// Chunks from a SQLite data store are streamed inside the transaction; others (a Postgres
    /// data store's, which must await) are read ahead of it, since a GRDB transaction cannot
    /// suspend: one run's changes are then in memory at once.
    public func apply(runID: String, tenant: Tenant, changes source: any ChangeChunks) async throws -> SyncOutcome {
        let changes: any SynchronousChangeChunks
        if let streaming = source as? any SynchronousChangeChunks {
            changes = streaming
        } else {
            var all: [UserChange] = []
            do {
                while let chunk = try await source.next() { all += chunk }
            } catch let error as StoreError {
                throw SyncTargetError(location: location, operation: "read the changes of run \(runID)", reason: error.description)
            }
            changes = ArrayChangeChunks(all)
        }
        return try await write("apply run \(runID)") { db in
            if let row = try Row.fetchOne(db, sql: """
                SELECT upserts, deletes FROM sync_runs
                WHERE workflow_id = ? AND organization_id = ? AND connected_integration_id = ?
                """, arguments: [runID, tenant.organizationID, tenant.connectedIntegrationID]) {
                return SyncOutcome(upserts: row["upserts"], deletes: row["deletes"], alreadyApplied: true)
            }
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO users (id, external_id, organization_id, connected_integration_id, name, email)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (id, organization_id, connected_integration_id) DO UPDATE SET
                    external_id = excluded.external_id, name = excluded.name, email = excluded.email,
                    synced_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
                """)
            let delete = try db.cachedStatement(sql: """
                DELETE FROM users WHERE id = ? AND organization_id = ? AND connected_integration_id = ?
                """)
            var outcome = SyncOutcome(upserts: 0, deletes: 0, alreadyApplied: false)
            while let chunk = try changes.nextNow() {
                for change in chunk {
                    if change.changeType == .delete {
                        try delete.execute(arguments: [change.id, tenant.organizationID, tenant.connectedIntegrationID])
                        outcome.deletes += 1
                    } else {
                        try upsert.execute(arguments: [
                            change.id, change.externalID, tenant.organizationID, tenant.connectedIntegrationID, change.name, change.email,
                        ])
                        outcome.upserts += 1
                    }
                }
            }
            try db.execute(sql: """
                INSERT INTO sync_runs (workflow_id, organization_id, connected_integration_id, upserts, deletes)
                VALUES (?, ?, ?, ?, ?)
                """, arguments: [runID, tenant.organizationID, tenant.connectedIntegrationID, outcome.upserts, outcome.deletes])
            return outcome
        }
    }

    /// The tenant's users in the target.
    public func users(tenant: Tenant) async throws -> [SourceUser] {
        do {
            return try await pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, external_id, name, email FROM users
                    WHERE organization_id = ? AND connected_integration_id = ? ORDER BY id
                    """, arguments: [tenant.organizationID, tenant.connectedIntegrationID]).map {
                    SourceUser(id: $0["id"], externalID: $0["external_id"], name: $0["name"], email: $0["email"])
                }
            }
        } catch {
            if let failure = DatabaseErrorText.storageFailure(error, store: "sync database", path: location, operation: "read users") {
                throw failure
            }
            throw SyncTargetError(location: location, operation: "read users", reason: DatabaseErrorText.describe(error),
                                  isTransient: DatabaseErrorText.isTransient(error))
        }
    }

    private func write<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await inlineWriter.write(body)
        } catch let error as StoreError {
            // Reading the run's changes from the data database failed.
            throw SyncTargetError(location: location, operation: operation, reason: error.description)
        } catch let error as StorageFailure {
            throw error
        } catch {
            if let failure = DatabaseErrorText.storageFailure(error, store: "sync database", path: location, operation: operation) {
                throw failure
            }
            throw SyncTargetError(location: location, operation: operation, reason: DatabaseErrorText.describe(error),
                                  isTransient: DatabaseErrorText.isTransient(error))
        }
    }
}
