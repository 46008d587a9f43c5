import Foundation
import GRDB

/// The owner of the SQLite data database: connected integrations, staging, CDC, latest, quarantine.
///
/// Nothing else opens the file for writing. Every stage writes its rows and a completion record
/// (`stage_completions`) in one transaction, and a stage that finds its completion returns the
/// recorded outcome without writing again. So a crash between a stage's commit and its journal
/// checkpoint replays the step without duplicating a row, and nothing needs cleaning afterwards.
public actor StoreActor {
    /// The database file.
    public nonisolated let path: String
    nonisolated let pool: DatabasePool

    /// Opens (creating it and its directory if needed) the data database at `path`, in WAL mode,
    /// and creates or migrates the tables; waits up to 10 s for another process doing the same.
    public init(path: String) throws {
        self.path = path
        do {
            pool = try SharedSQLite.openPool(path: path, label: "elt.data") { try StoreSchema.migrate($0) }
        } catch {
            throw StoreError.cannotOpen(path: path, reason: String(describing: error))
        }
    }

    // MARK: - Integrations

    /// Inserts the integrations that are not there yet; returns how many were new.
    @discardableResult
    public func seedIntegrations(_ integrations: [ConnectedIntegration]) async throws -> Int {
        let rows = try integrations.map { ($0, try Self.encode($0.providerData)) }
        return try await write("seed connected_integrations") { db in
            let statement = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO connected_integrations (id, organization_id, provider, provider_data)
                VALUES (?, ?, ?, ?)
                """)
            var inserted = 0
            for (integration, providerData) in rows {
                try statement.execute(arguments: [integration.id, integration.organizationID, integration.provider, providerData])
                inserted += db.changesCount
            }
            return inserted
        }
    }

    /// Every connected integration, by organization then provider.
    public func integrations() async throws -> [ConnectedIntegration] {
        try await read("list connected_integrations") { db in
            try Row.fetchAll(db, sql: """
                SELECT id, organization_id, provider, provider_data FROM connected_integrations
                ORDER BY organization_id, provider, id
                """).map(Self.integration(from:))
        }
    }

    /// The integration with id `id`, if there is one.
    public func integration(id: String) async throws -> ConnectedIntegration? {
        try await read("read connected_integrations") { db in
            try Row.fetchOne(db, sql: """
                SELECT id, organization_id, provider, provider_data FROM connected_integrations WHERE id = ?
                """, arguments: [id]).map(Self.integration(from:))
        }
    }

    // MARK: - Stages

    /// Stages batch `batch` of run `runID`: inserts `users` into `users_staging` and
    /// `quarantined` into `users_quarantine`, with the batch's completion, in one transaction.
    /// If the batch was already staged, returns its recorded outcome and writes nothing.
    ///
    /// `simulateFailure` makes the transaction fail after its inserts, so it rolls back.
    public func stageBatch(
        runID: String, tenant: Tenant, batch: Int, users: [SourceUser], quarantined: [QuarantinedRecord],
        simulateFailure: Bool = false
    ) async throws -> StagingOutcome {
        try await write("insert_users_to_staging") { db in
            if let done = try Self.completion(db, StagingOutcome.self, runID: runID, tenant: tenant, stage: "staging", part: batch) {
                return done
            }
            // Multi-row inserts: one statement execution per ``stagingRowsPerStatement`` users.
            var start = 0
            while start < users.count {
                let chunk = users[start..<min(start + Self.stagingRowsPerStatement, users.count)]
                let insert = try db.cachedStatement(sql: Self.stagingInsertSQL(rows: chunk.count))
                var values: [(any DatabaseValueConvertible)?] = []
                values.reserveCapacity(chunk.count * 7)
                for user in chunk {
                    values += [user.id, runID, user.externalID, tenant.organizationID, tenant.connectedIntegrationID, user.name, user.email]
                }
                try insert.execute(arguments: StatementArguments(values))
                start += chunk.count
            }
            let insertRejected = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO users_quarantine
                    (workflow_id, organization_id, connected_integration_id, page, position, raw_json, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for record in quarantined {
                try insertRejected.execute(arguments: [
                    runID, tenant.organizationID, tenant.connectedIntegrationID, record.page, record.position, record.rawJSON, record.reason,
                ])
            }
            if simulateFailure { throw StoreError.simulatedFailure(operation: "insert_users_to_staging") }
            let outcome = StagingOutcome(staged: users.count, quarantined: quarantined.count)
            try Self.recordCompletion(db, outcome, runID: runID, tenant: tenant, stage: "staging", part: batch)
            return outcome
        }
    }

    /// Detects the changes between run `runID`'s staged snapshot (deduplicated: the newest row
    /// per user, ties broken by insertion order) and `users_latest`, and writes them into
    /// `users_cdc`, once. Deletes (users in latest, absent from the snapshot) are detected only
    /// when `snapshotComplete`, since a partial snapshot says nothing about absent users.
    public func detectChanges(runID: String, tenant: Tenant, snapshotComplete: Bool) async throws -> CDCOutcome {
        try await write("cdc_detection") { db in
            if let done = try Self.completion(db, CDCOutcome.self, runID: runID, tenant: tenant, stage: "cdc", part: 0) {
                return done
            }
            let arguments: StatementArguments = [
                "run": runID, "org": tenant.organizationID, "integration": tenant.connectedIntegrationID,
            ]
            try db.execute(sql: """
                WITH staged AS (
                    SELECT id, external_id, name, email,
                           ROW_NUMBER() OVER (PARTITION BY id, workflow_id ORDER BY created_at DESC, rowid DESC) AS rn
                    FROM users_staging
                    WHERE workflow_id = :run AND organization_id = :org AND connected_integration_id = :integration
                )
                INSERT INTO users_cdc
                    (id, workflow_id, external_id, organization_id, connected_integration_id, name, email, change_type)
                SELECT s.id, :run, s.external_id, :org, :integration, s.name, s.email,
                       CASE WHEN l.id IS NULL THEN 'INSERT' ELSE 'UPDATE' END
                FROM staged s
                LEFT JOIN users_latest l
                    ON l.id = s.id AND l.organization_id = :org AND l.connected_integration_id = :integration
                WHERE s.rn = 1
                  AND (l.id IS NULL OR l.name != s.name OR l.email != s.email OR l.external_id != s.external_id)
                """, arguments: arguments)
            if snapshotComplete {
                try db.execute(sql: """
                    INSERT INTO users_cdc
                        (id, workflow_id, external_id, organization_id, connected_integration_id, name, email, change_type)
                    SELECT l.id, :run, l.external_id, :org, :integration, l.name, l.email, 'DELETE'
                    FROM users_latest l
                    WHERE l.organization_id = :org AND l.connected_integration_id = :integration
                      AND NOT EXISTS (
                        SELECT 1 FROM users_staging s
                        WHERE s.id = l.id AND s.organization_id = :org AND s.connected_integration_id = :integration
                          AND s.workflow_id = :run)
                    """, arguments: arguments)
            }
            var outcome = CDCOutcome(inserts: 0, updates: 0, deletes: 0)
            for row in try Row.fetchAll(db, sql: """
                SELECT change_type, COUNT(*) AS n FROM users_cdc
                WHERE workflow_id = :run AND organization_id = :org AND connected_integration_id = :integration
                GROUP BY change_type
                """, arguments: arguments) {
                let count: Int = row["n"]
                switch ChangeType(rawValue: row["change_type"]) {
                case .insert: outcome.inserts = count
                case .update: outcome.updates = count
                case .delete: outcome.deletes = count
                case nil: break
                }
            }
            try Self.recordCompletion(db, outcome, runID: runID, tenant: tenant, stage: "cdc", part: 0)
            return outcome
        }
    }

    /// Applies run `runID`'s changes to `users_latest` (upserts, then deletes), once.
    public func applyChanges(runID: String, tenant: Tenant) async throws -> ApplyOutcome {
        try await write("apply_to_latest") { db in
            if let done = try Self.completion(db, ApplyOutcome.self, runID: runID, tenant: tenant, stage: "apply", part: 0) {
                return done
            }
            let arguments: StatementArguments = [
                "run": runID, "org": tenant.organizationID, "integration": tenant.connectedIntegrationID,
            ]
            try db.execute(sql: """
                INSERT OR REPLACE INTO users_latest
                    (id, external_id, organization_id, connected_integration_id, name, email, last_updated)
                SELECT id, external_id, organization_id, connected_integration_id, name, email, \(StoreSchema.now)
                FROM users_cdc
                WHERE workflow_id = :run AND organization_id = :org AND connected_integration_id = :integration
                  AND change_type IN ('INSERT', 'UPDATE')
                """, arguments: arguments)
            var applied = db.changesCount
            try db.execute(sql: """
                DELETE FROM users_latest
                WHERE organization_id = :org AND connected_integration_id = :integration
                  AND id IN (
                    SELECT id FROM users_cdc
                    WHERE workflow_id = :run AND organization_id = :org AND connected_integration_id = :integration
                      AND change_type = 'DELETE')
                """, arguments: arguments)
            applied += db.changesCount
            let latest = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM users_latest WHERE organization_id = :org AND connected_integration_id = :integration
                """, arguments: arguments) ?? 0
            let outcome = ApplyOutcome(applied: applied, latest: latest)
            try Self.recordCompletion(db, outcome, runID: runID, tenant: tenant, stage: "apply", part: 0)
            return outcome
        }
    }

    /// Run `runID`'s changes for `tenant`, ordered by user id.
    public func changes(runID: String, tenant: Tenant) async throws -> [UserChange] {
        try await read("read users_cdc") { db in
            try Row.fetchAll(db, sql: """
                SELECT id, external_id, name, email, change_type FROM users_cdc
                WHERE workflow_id = ? AND organization_id = ? AND connected_integration_id = ?
                ORDER BY id
                """, arguments: [runID, tenant.organizationID, tenant.connectedIntegrationID]).map { row in
                guard let type = ChangeType(rawValue: row["change_type"]) else {
                    throw StoreError.corrupt(what: "users_cdc.change_type", reason: "'\(row["change_type"] ?? "")' is not INSERT, UPDATE or DELETE")
                }
                return UserChange(id: row["id"], externalID: row["external_id"], name: row["name"], email: row["email"], changeType: type)
            }
        }
    }

    // MARK: - Inspection

    /// The rows of `table`, for one tenant or all, and for one run or all (`users_latest` has no run).
    public func count(_ table: DataTable, tenant: Tenant? = nil, runID: String? = nil) async throws -> Int {
        try await read("count \(table.rawValue)") { db in
            var conditions: [String] = []
            var arguments = StatementArguments()
            if let tenant {
                conditions.append("organization_id = ? AND connected_integration_id = ?")
                arguments += [tenant.organizationID, tenant.connectedIntegrationID]
            }
            if let runID, table != .latest {
                conditions.append("workflow_id = ?")
                arguments += [runID]
            }
            let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.rawValue)\(filter)", arguments: arguments) ?? 0
        }
    }

    /// Staging rows beyond the first for the same user, tenant and run: what a non-idempotent
    /// load would leave behind. Always 0 here.
    public func duplicateStagingRows() async throws -> Int {
        try await read("count duplicate staging rows") { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) - (SELECT COUNT(*) FROM (
                    SELECT DISTINCT id, organization_id, connected_integration_id, workflow_id FROM users_staging))
                FROM users_staging
                """) ?? 0
        }
    }

    /// The tenant's users in `users_latest`, ordered by id.
    public func latestUsers(tenant: Tenant) async throws -> [SourceUser] {
        try await read("read users_latest") { db in
            try Row.fetchAll(db, sql: """
                SELECT id, external_id, name, email FROM users_latest
                WHERE organization_id = ? AND connected_integration_id = ? ORDER BY id
                """, arguments: [tenant.organizationID, tenant.connectedIntegrationID]).map {
                SourceUser(id: $0["id"], externalID: $0["external_id"], name: $0["name"], email: $0["email"])
            }
        }
    }

    /// The quarantined records of a tenant, by run, page and position.
    public func quarantined(tenant: Tenant) async throws -> [QuarantinedRecord] {
        try await read("read users_quarantine") { db in
            try Row.fetchAll(db, sql: """
                SELECT page, position, raw_json, reason FROM users_quarantine
                WHERE organization_id = ? AND connected_integration_id = ? ORDER BY workflow_id, page, position
                """, arguments: [tenant.organizationID, tenant.connectedIntegrationID]).map {
                QuarantinedRecord(page: $0["page"], position: $0["position"], rawJSON: $0["raw_json"], reason: $0["reason"])
            }
        }
    }

    // MARK: - Plumbing

    /// Users per staging `INSERT` (7 values each, far below SQLite's 32,766 variables).
    static let stagingRowsPerStatement = 100

    /// `INSERT INTO users_staging … VALUES (?, …), …` for `rows` users.
    private static func stagingInsertSQL(rows: Int) -> String {
        "INSERT INTO users_staging (id, workflow_id, external_id, organization_id, connected_integration_id, name, email) VALUES "
            + repeatElement("(?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
    }

    private func write<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.failed(operation: operation, path: path, reason: String(describing: error))
        }
    }

    private func read<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.failed(operation: operation, path: path, reason: String(describing: error))
        }
    }

    private static func completion<T: Decodable>(
        _ db: Database, _ type: T.Type, runID: String, tenant: Tenant, stage: String, part: Int
    ) throws -> T? {
        guard let text = try String.fetchOne(db, sql: """
            SELECT outcome FROM stage_completions
            WHERE workflow_id = ? AND organization_id = ? AND connected_integration_id = ? AND stage = ? AND part = ?
            """, arguments: [runID, tenant.organizationID, tenant.connectedIntegrationID, stage, part]) else { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw StoreError.corrupt(what: "\(stage) completion of \(runID)", reason: String(describing: error))
        }
    }

    private static func recordCompletion<T: Encodable>(
        _ db: Database, _ outcome: T, runID: String, tenant: Tenant, stage: String, part: Int
    ) throws {
        try db.execute(sql: """
            INSERT INTO stage_completions (workflow_id, organization_id, connected_integration_id, stage, part, outcome)
            VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [runID, tenant.organizationID, tenant.connectedIntegrationID, stage, part, try encode(outcome)])
    }

    private static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func integration(from row: Row) throws -> ConnectedIntegration {
        let text: String = row["provider_data"]
        let providerData: ProviderData
        do {
            providerData = try JSONDecoder().decode(ProviderData.self, from: Data(text.utf8))
        } catch {
            throw StoreError.corrupt(what: "provider_data of integration \(row["id"] ?? "?")", reason: String(describing: error))
        }
        var integration = ConnectedIntegration(organizationID: row["organization_id"], provider: row["provider"], providerData: providerData)
        integration.id = row["id"]
        return integration
    }
}
