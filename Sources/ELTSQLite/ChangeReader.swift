import ELT
import GRDB
import Synchronization

/// Reads one run's changes from `users_cdc` in chunks, ordered by user id (keyset paging on
/// the run-first key), so a sync holds one chunk at a time however large the tenant.
///
/// ``nextNow()`` is synchronous: a sync target calls it inside its own transaction (the SQLite
/// target's runs on GRDB's writer queue). Each call is one short read of the data database.
public final class ChangeReader: SynchronousChangeChunks {
    private let pool: DatabasePool
    private let path: String
    private let runID: String
    private let tenant: Tenant
    private let chunkSize: Int
    /// The last id read (nil: none yet), and whether the end was reached.
    private let cursor = Mutex<(after: String?, done: Bool)>((nil, false))

    init(pool: DatabasePool, path: String, runID: String, tenant: Tenant, chunkSize: Int) {
        precondition(chunkSize > 0, "ChangeReader needs a positive chunk size, got \(chunkSize)")
        self.pool = pool
        self.path = path
        self.runID = runID
        self.tenant = tenant
        self.chunkSize = chunkSize
    }

    /// The next chunk of at most `chunkSize` changes, or nil after the last.
    public func nextNow() throws -> [UserChange]? {
        let (after, done) = cursor.withLock { $0 }
        if done { return nil }
        let chunk: [UserChange]
        do {
            chunk = try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, external_id, name, email, change_type FROM users_cdc
                    WHERE workflow_id = ? AND organization_id = ? AND connected_integration_id = ? AND id > ?
                    ORDER BY id LIMIT ?
                    """, arguments: [runID, tenant.organizationID, tenant.connectedIntegrationID, after ?? "", chunkSize])
                    .map(Self.change(from:))
            }
        } catch let error as StoreError {
            throw error
        } catch {
            if let failure = DatabaseErrorText.storageFailure(error, store: "data database", path: path, operation: "read users_cdc") {
                throw failure
            }
            throw StoreError.failed(operation: "read users_cdc", path: path, reason: DatabaseErrorText.describe(error))
        }
        cursor.withLock { $0 = (chunk.last?.id ?? after, chunk.count < chunkSize) }
        return chunk.isEmpty ? nil : chunk
    }

    /// The change a `users_cdc` row (`id, external_id, name, email, change_type`) holds.
    static func change(from row: Row) throws -> UserChange {
        guard let type = ChangeType(rawValue: row["change_type"]) else {
            throw StoreError.corrupt(what: "users_cdc.change_type", reason: "'\(row["change_type"] ?? "")' is not INSERT, UPDATE or DELETE")
        }
        return UserChange(id: row["id"], externalID: row["external_id"], name: row["name"], email: row["email"], changeType: type)
    }
}
