import ELT
import Foundation
import GRDB
import SQLiteSupport

/// The SQLite ``DataStore``, the embedded default: the owner of the data database file under
/// `--data-path` (connected integrations, staging, CDC, latest, quarantine).
///
/// Nothing else opens the file for writing. Every stage writes its rows and a completion record
/// (`stage_completions`) in one transaction, and a stage that finds its completion returns the
/// recorded outcome without writing again. So a crash between a stage's commit and its journal
/// checkpoint replays the step without duplicating a row, and nothing needs cleaning afterwards.
public actor StoreActor: DataStore {
    /// The database file.
    public nonisolated let path: String
    /// `SQLite`.
    public nonisolated var kind: String { "SQLite" }
    /// The database file.
    public nonisolated var location: String { path }
    nonisolated let pool: DatabasePool
    /// Where writes run first: on the actor's thread, which already serialises them, without a
    /// hop to the pool's writer queue.
    private let inlineWriter: InlineWriter

    /// Opens (creating it and its directory if needed) the data database at `path`, in WAL mode,
    /// and creates or migrates the tables; waits up to 10 s for another process doing the same.
    public init(path: String) throws {
        self.path = path
        do {
            pool = try SharedSQLite.openPool(path: path, label: "elt.data") { try StoreSchema.migrate($0) }
            inlineWriter = try SharedSQLite.openInlineWriter(path: path, label: "elt.data", pool: pool)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: DatabaseErrorText.describeOpen(error))
        }
    }

    public func identity() async throws -> String {
        try await read("read store_identity") { db in
            guard let id = try String.fetchOne(db, sql: "SELECT id FROM store_identity LIMIT 1") else {
                throw StoreError.corrupt(what: "the data database's store_identity", reason: "it has no row; it is written when the tables are created")
            }
            return id
        }
    }

    // MARK: - Integrations

    /// Inserts the integrations that are not there yet; returns how many were new.
    @discardableResult
    public func seedIntegrations(_ integrations: [ConnectedIntegration]) async throws -> Int {
        let rows = try integrations.map { ($0, try StoreJSON.encode($0.providerData)) }
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

    public func updateIntegration(_ integration: ConnectedIntegration) async throws -> Bool {
        let providerData = try StoreJSON.encode(integration.providerData)
        return try await write("update connected_integrations") { db in
            try db.execute(sql: "UPDATE connected_integrations SET provider_data = ? WHERE id = ?",
                           arguments: [providerData, integration.id])
            return db.changesCount > 0
        }
    }

    public func removeIntegration(id: String) async throws -> Bool {
        try await write("delete connected_integrations") { db in
            try db.execute(sql: "DELETE FROM connected_integrations WHERE id = ?", arguments: [id])
            return db.changesCount > 0
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

    /// At most `limit` integrations after `after`, by organization, provider and id.
    public func integrations(after: ConnectedIntegration?, limit: Int) async throws -> [ConnectedIntegration] {
        try await read("list connected_integrations") { db in
            let columns = "SELECT id, organization_id, provider, provider_data FROM connected_integrations"
            let order = "ORDER BY organization_id, provider, id LIMIT ?"
            guard let after else {
                return try Row.fetchAll(db, sql: "\(columns) \(order)", arguments: [limit]).map(Self.integration(from:))
            }
            return try Row.fetchAll(db, sql: "\(columns) WHERE (organization_id, provider, id) > (?, ?, ?) \(order)",
                                    arguments: [after.organizationID, after.provider, after.id, limit]).map(Self.integration(from:))
        }
    }

    // MARK: - Stages

    /// Stages batch `batch` of run `runID`: inserts the users of each page into
    /// `users_staging` (each occurrence keyed by its page and position, so a user seen twice is
    /// two rows) and `quarantined` into `users_quarantine`, with the batch's completion, in one
    /// transaction. If the batch was already staged, returns its recorded outcome and writes
    /// nothing.
    ///
    /// `simulateFailure` makes the transaction fail after its inserts, so it rolls back.
    public func stageBatch(
        runID: String, tenant: Tenant, batch: Int, pages: [StagedPage], quarantined: [QuarantinedRecord],
        simulateFailure: Bool
    ) async throws -> StagingOutcome {
        try await write("insert_users_to_staging") { db in
            if let done = try Self.completion(db, StagingOutcome.self, runID: runID, tenant: tenant, stage: "staging", part: batch) {
                return done
            }
            // Multi-row inserts: one statement execution per ``stagingRowsPerStatement`` users.
            var staged = 0
            var values: [(any DatabaseValueConvertible)?] = []
            values.reserveCapacity(Self.stagingRowsPerStatement * 9)
            func flush() throws {
                guard !values.isEmpty else { return }
                let insert = try db.cachedStatement(sql: Self.stagingInsertSQL(rows: values.count / 9))
                try insert.execute(arguments: StatementArguments(values))
                values.removeAll(keepingCapacity: true)
            }
            for page in pages {
                for (position, user) in page.users.enumerated() {
                    values += [user.id, runID, user.externalID, tenant.organizationID, tenant.connectedIntegrationID,
                               user.name, user.email, page.page, position]
                    staged += 1
                    if values.count == Self.stagingRowsPerStatement * 9 { try flush() }
                }
            }
            try flush()
            let insertRejected = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO users_quarantine
                    (workflow_id, organization_id, connected_integration_id, page, position, raw_json, reason, user_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for record in quarantined {
                try insertRejected.execute(arguments: [
                    runID, tenant.organizationID, tenant.connectedIntegrationID, record.page, record.position, record.rawJSON,
                    record.reason, record.userID,
                ])
            }
            if simulateFailure { throw StoreError.simulatedFailure(operation: "insert_users_to_staging") }
            let outcome = StagingOutcome(staged: staged, quarantined: quarantined.count)
            try Self.recordCompletion(db, outcome, runID: runID, tenant: tenant, stage: "staging", part: batch)
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
                """, arguments: [runID, tenant.organizationID, tenant.connectedIntegrationID]).map(ChangeReader.change(from:))
        }
    }

    // MARK: - Inspection

    /// The rows of `table`, for one tenant or all, and for one run or all (`users_latest` has no run).
    public func count(_ table: DataTable, tenant: Tenant?, runID: String?) async throws -> Int {
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
                SELECT page, position, raw_json, reason, user_id FROM users_quarantine
                WHERE organization_id = ? AND connected_integration_id = ? ORDER BY workflow_id, page, position
                """, arguments: [tenant.organizationID, tenant.connectedIntegrationID]).map {
                QuarantinedRecord(page: $0["page"], position: $0["position"], rawJSON: $0["raw_json"], reason: $0["reason"],
                                  userID: $0["user_id"])
            }
        }
    }

    /// Nothing to release: the pool closes with the actor.
    public func close() async {}

    // MARK: - Plumbing

    /// Users per staging `INSERT` (9 values each, far below SQLite's 32,766 variables).
    static let stagingRowsPerStatement = 100

    /// `INSERT INTO users_staging … VALUES (?, …), …` for `rows` users.
    private static func stagingInsertSQL(rows: Int) -> String {
        "INSERT INTO users_staging (id, workflow_id, external_id, organization_id, connected_integration_id, name, email, page, position) VALUES "
            + repeatElement("(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
    }

    /// Runs `body` in one transaction: on the actor's thread when the write lock is free at
    /// once, else on the pool's writer queue, which waits out the lock (see ``InlineWriter``).
    func write<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await inlineWriter.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            if let failure = DatabaseErrorText.storageFailure(error, store: "data database", path: path, operation: operation) {
                throw failure
            }
            throw StoreError.failed(operation: operation, path: path, reason: DatabaseErrorText.describe(error))
        }
    }

    func read<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            if let failure = DatabaseErrorText.storageFailure(error, store: "data database", path: path, operation: operation) {
                throw failure
            }
            throw StoreError.failed(operation: operation, path: path, reason: DatabaseErrorText.describe(error))
        }
    }

    static func completion<T: Decodable>(
        _ db: Database, _ type: T.Type, runID: String, tenant: Tenant, stage: String, part: Int
    ) throws -> T? {
        guard let text = try String.fetchOne(db, sql: """
            SELECT outcome FROM stage_completions
            WHERE workflow_id = ? AND organization_id = ? AND connected_integration_id = ? AND stage = ? AND part = ?
            """, arguments: [runID, tenant.organizationID, tenant.connectedIntegrationID, stage, part]) else { return nil }
        return try StoreJSON.decode(T.self, text, what: "\(stage) completion of \(runID)")
    }

    static func recordCompletion<T: Encodable>(
        _ db: Database, _ outcome: T, runID: String, tenant: Tenant, stage: String, part: Int
    ) throws {
        try db.execute(sql: """
            INSERT INTO stage_completions (workflow_id, organization_id, connected_integration_id, stage, part, outcome)
            VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [runID, tenant.organizationID, tenant.connectedIntegrationID, stage, part, try StoreJSON.encode(outcome)])
    }

    private static func integration(from row: Row) throws -> ConnectedIntegration {
        try StoreJSON.integration(id: row["id"], organizationID: row["organization_id"], provider: row["provider"],
                                  providerData: row["provider_data"])
    }
}
