import ELT
import GRDB

extension StoreActor {
    /// Registers run `runID` of `tenant` and returns its sequence number: 1 + the highest so far
    /// for the tenant, i.e. its start order. Registering again returns the same number.
    public func registerRun(runID: String, tenant: Tenant) async throws -> Int {
        try await write("register run") { db in
            let arguments: StatementArguments = [
                "run": runID, "org": tenant.organizationID, "integration": tenant.connectedIntegrationID,
            ]
            try db.execute(sql: """
                INSERT OR IGNORE INTO tenant_runs (organization_id, connected_integration_id, workflow_id, sequence)
                SELECT :org, :integration, :run, COALESCE(MAX(sequence), 0) + 1 FROM tenant_runs
                WHERE organization_id = :org AND connected_integration_id = :integration
                """, arguments: arguments)
            guard let sequence = try Int.fetchOne(db, sql: """
                SELECT sequence FROM tenant_runs
                WHERE organization_id = :org AND connected_integration_id = :integration AND workflow_id = :run
                """, arguments: arguments) else {
                throw StoreError.corrupt(what: "tenant_runs", reason: "run \(runID) was registered but cannot be read back")
            }
            return sequence
        }
    }

    /// The runs to sync, in order, for run `runID` (sequence `sequence`) of `tenant`: every
    /// earlier run applied to `users_latest` but not yet synced (a sync that failed for good,
    /// say), then `runID` itself. Without a sequence (a run from before sequences), `runID` only.
    public func runsToSync(runID: String, tenant: Tenant, sequence: Int?) async throws -> [String] {
        guard let sequence else { return [runID] }
        return try await read("read tenant_runs") { db in
            try String.fetchAll(db, sql: """
                SELECT workflow_id FROM tenant_runs
                WHERE organization_id = ? AND connected_integration_id = ? AND sequence < ?
                  AND applied_at IS NOT NULL AND synced_at IS NULL
                ORDER BY sequence
                """, arguments: [tenant.organizationID, tenant.connectedIntegrationID, sequence]) + [runID]
        }
    }

    /// Records that run `runID`'s changes are in the sync target.
    public func markSynced(runID: String, tenant: Tenant) async throws {
        try await write("mark run synced") { db in
            try db.execute(sql: """
                UPDATE tenant_runs SET synced_at = \(StoreSchema.now)
                WHERE organization_id = ? AND connected_integration_id = ? AND workflow_id = ? AND synced_at IS NULL
                """, arguments: [tenant.organizationID, tenant.connectedIntegrationID, runID])
        }
    }

    /// Runs of `tenant` applied to `users_latest` whose changes are not in the sync target yet.
    public func unsyncedRuns(tenant: Tenant) async throws -> [String] {
        try await read("read tenant_runs") { db in
            try String.fetchAll(db, sql: """
                SELECT workflow_id FROM tenant_runs
                WHERE organization_id = ? AND connected_integration_id = ? AND applied_at IS NOT NULL AND synced_at IS NULL
                ORDER BY sequence
                """, arguments: [tenant.organizationID, tenant.connectedIntegrationID])
        }
    }

    /// A reader of run `runID`'s changes in chunks of `chunkSize`, by user id: what a sync
    /// streams, so memory does not grow with the tenant.
    public nonisolated func changeChunks(runID: String, tenant: Tenant, chunkSize: Int) -> any ChangeChunks {
        ChangeReader(pool: pool, path: path, runID: runID, tenant: tenant, chunkSize: chunkSize)
    }

    // MARK: - Helpers

    /// The tenant's most recent applied run: its sequence and id.
    static func lastAppliedRun(_ db: Database, tenant: Tenant) throws -> (sequence: Int, runID: String)? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT sequence, workflow_id FROM tenant_runs
            WHERE organization_id = ? AND connected_integration_id = ? AND applied_at IS NOT NULL
            ORDER BY sequence DESC LIMIT 1
            """, arguments: [tenant.organizationID, tenant.connectedIntegrationID]) else { return nil }
        return (row["sequence"], row["workflow_id"])
    }

    /// Records that run `runID` was superseded by `newer`.
    static func markSuperseded(_ db: Database, runID: String, tenant: Tenant, by newer: String) throws {
        try db.execute(sql: """
            UPDATE tenant_runs SET superseded_by = ?
            WHERE organization_id = ? AND connected_integration_id = ? AND workflow_id = ?
            """, arguments: [newer, tenant.organizationID, tenant.connectedIntegrationID, runID])
    }
}
