import Foundation
import DurableRuntime
import ELT
import Logging
import PostgresNIO
import PostgresSupport
import Synchronization

/// The Postgres ``DataStore``: the pipeline's tables in one schema of a Postgres database that
/// several machines share, so a tenant staged on one machine is detected, applied and synced
/// correctly on whichever machine dequeues its next stage.
///
/// - Same tables, columns and keys as the SQLite store; key and text columns use the `"C"`
///   collation, so ids sort and compare byte-wise as in SQLite (keyset paging, dedup order).
/// - Each write is one transaction that first takes a transaction-level advisory lock on its
///   tenant (`pg_advisory_xact_lock`), so the stages of one tenant are serialised across
///   machines as the single SQLite writer serialises them on one; stages of different tenants
///   run in parallel.
/// - A stage's rows and its completion record commit together; a replayed stage finds its
///   completion and writes nothing.
/// - Migrations run in one transaction under an advisory lock on the schema name (the same lock
///   the journal and the sync target take), so two servers starting together on an empty
///   database apply them once (no `CREATE … IF NOT EXISTS` race).
/// - Every value is bound; multi-row writes use `unnest` arrays of up to ``batchRows`` rows,
///   but a batch's staging rows go in one call of the staging function (schema version 3),
///   whatever their number.
/// - Connections are direct, up to ``idleConnections`` kept open between transactions (no pool
///   service has to run beside it); a connection that failed is closed, never reused.
/// - An operation whose connection was lost, or could not be made (the server restarting or
///   down), is retried whole on a new connection for up to ``reconnectTimeout``, as the journal
///   does: every operation is safe to run again (a stage finds its completion record, inserts
///   skip what exists), and a pipeline step's own retries (a second or so) would otherwise give
///   up during any outage and record the step failed.
public final class PostgresDataStore: DataStore {
    /// `Postgres`.
    public var kind: String { "Postgres" }
    /// The URL without its password.
    public let location: String
    /// The schema holding the tables.
    public let schema: String
    /// Rows per multi-row statement.
    public static let batchRows = 1_000
    /// Connections kept open between transactions.
    public static let idleConnections = 8
    /// How long Postgres lets a session of the store wait inside a transaction before it ends
    /// it (`idle_in_transaction_session_timeout`), so that a server paused mid-transaction
    /// (SIGSTOP, a frozen VM) does not hold a tenant's lock, and with it that tenant's stages on
    /// every other server, until it continues. The store's transactions wait on nothing but
    /// their own statements; the sync target's may wait on this store's reads, hence the
    /// margin over the journal's 10 s. The paused server's statement then finds its connection
    /// closed and is retried whole on a new one.
    public static let idleInTransactionTimeout: Duration = .seconds(60)
    /// The schema version this code writes (`data_migrations`).
    public static let schemaVersion = 3
    /// How long an operation keeps retrying a lost connection before it fails.
    public let reconnectTimeout: Duration

    let connections: DirectConnections
    let logger: Logger

    /// Connects to `url` (`postgres://user:password@host:port/database`) and creates or
    /// migrates the tables in `schema` (default `public`). Opening fails at once if the server
    /// cannot be reached; later operations wait up to `reconnectTimeout` (default 300 s, the
    /// journal's) for a lost connection to come back.
    public static func open(
        url: String, schema: String = "public", reconnectTimeout: Duration = .seconds(300), logger: Logger = Logger(label: "elt.data")
    ) async throws -> PostgresDataStore {
        let store = try PostgresDataStore(url: url, schema: schema, reconnectTimeout: reconnectTimeout, logger: logger)
        try await store.migrate()
        return store
    }

    private init(url: String, schema: String, reconnectTimeout: Duration, logger: Logger) throws {
        guard Self.isPlainIdentifier(schema) else {
            throw StoreError.invalidSetting(
                reason: "--data-schema '\(schema)' is not a plain identifier (letters, digits, _; not starting with a digit; at most 63); choose another")
        }
        let configuration: PostgresConnection.Configuration
        do {
            let endpoint = try PostgresEndpoint(url: url)
            configuration = try endpoint.connectionConfiguration(startupParameters: PostgresEndpoint.sessionParameters(
                applicationName: "elt-data", idleInTransactionTimeout: Self.idleInTransactionTimeout))
            location = endpoint.redacted
        } catch {
            throw StoreError.invalidSetting(reason: "--data-database-url: \(String(describing: error))")
        }
        connections = DirectConnections(configuration: configuration, database: location, logger: logger, capacity: Self.idleConnections)
        self.schema = schema
        self.reconnectTimeout = reconnectTimeout
        self.logger = logger
    }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return name.count <= 63 && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    /// A table of this store, schema-qualified (the schema is a validated identifier).
    func table(_ name: String) -> String { "\"\(schema)\".\(name)" }

    // MARK: - Integrations

    @discardableResult
    public func seedIntegrations(_ integrations: [ConnectedIntegration]) async throws -> Int {
        let rows = try integrations.map { ($0, try StoreJSON.encode($0.providerData)) }
        return try await transaction("seed connected_integrations", tenant: nil) { connection in
            var inserted = 0
            for part in rows.chunks(of: Self.batchRows) {
                let ids = part.map(\.0.id), orgs = part.map(\.0.organizationID)
                let providers = part.map(\.0.provider), data = part.map(\.1)
                let result = try await connection.boundedQuery("""
                    INSERT INTO \(unescaped: self.table("connected_integrations")) (id, organization_id, provider, provider_data)
                    SELECT * FROM unnest(\(ids)::text[], \(orgs)::text[], \(providers)::text[], \(data)::text[])
                    ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: self.logger).collect()
                inserted += result.count
            }
            return inserted
        }
    }

    public func updateIntegration(_ integration: ConnectedIntegration) async throws -> Bool {
        let providerData = try StoreJSON.encode(integration.providerData)
        return try await transaction("update connected_integrations", tenant: nil) { connection in
            try await !connection.boundedQuery("""
                UPDATE \(unescaped: self.table("connected_integrations")) SET provider_data = \(providerData)
                WHERE id = \(integration.id) RETURNING 1
                """, logger: self.logger).collect().isEmpty
        }
    }

    public func removeIntegration(id: String) async throws -> Bool {
        try await transaction("delete connected_integrations", tenant: nil) { connection in
            try await !connection.boundedQuery("""
                DELETE FROM \(unescaped: self.table("connected_integrations")) WHERE id = \(id) RETURNING 1
                """, logger: self.logger).collect().isEmpty
        }
    }

    public func integrations() async throws -> [ConnectedIntegration] {
        try await read("list connected_integrations") { connection in
            try await Self.integrations(connection.boundedQuery("""
                SELECT id, organization_id, provider, provider_data FROM \(unescaped: self.table("connected_integrations"))
                ORDER BY organization_id, provider, id
                """, logger: self.logger))
        }
    }

    public func integration(id: String) async throws -> ConnectedIntegration? {
        try await read("read connected_integrations") { connection in
            try await Self.integrations(connection.boundedQuery("""
                SELECT id, organization_id, provider, provider_data FROM \(unescaped: self.table("connected_integrations"))
                WHERE id = \(id)
                """, logger: self.logger)).first
        }
    }

    public func identity() async throws -> String {
        try await read("read store_identity") { connection in
            let rows = try await connection.boundedQuery(
                "SELECT id FROM \(unescaped: self.table("store_identity")) LIMIT 1", logger: self.logger)
            for try await id in rows.decode(String.self) { return id }
            throw StoreError.corrupt(what: "the data tables' store_identity", reason: "it has no row; it is written when the tables are created")
        }
    }

    public func integrations(after: ConnectedIntegration?, limit: Int) async throws -> [ConnectedIntegration] {
        try await read("list connected_integrations") { connection in
            let table = self.table("connected_integrations")
            guard let after else {
                return try await Self.integrations(connection.boundedQuery("""
                    SELECT id, organization_id, provider, provider_data FROM \(unescaped: table)
                    ORDER BY organization_id, provider, id LIMIT \(limit)
                    """, logger: self.logger))
            }
            return try await Self.integrations(connection.boundedQuery("""
                SELECT id, organization_id, provider, provider_data FROM \(unescaped: table)
                WHERE (organization_id, provider, id) > (\(after.organizationID), \(after.provider), \(after.id))
                ORDER BY organization_id, provider, id LIMIT \(limit)
                """, logger: self.logger))
        }
    }

    private static func integrations(_ rows: FetchedRows) async throws -> [ConnectedIntegration] {
        var result: [ConnectedIntegration] = []
        for try await (id, organization, provider, data) in rows.decode((String, String, String, String).self) {
            result.append(try StoreJSON.integration(id: id, organizationID: organization, provider: provider, providerData: data))
        }
        return result
    }

    // MARK: - Stages

    public func stageBatch(
        runID: String, tenant: Tenant, batch: Int, pages: [StagedPage], quarantined: [QuarantinedRecord],
        simulateFailure: Bool
    ) async throws -> StagingOutcome {
        let (org, integration) = (tenant.organizationID, tenant.connectedIntegrationID)
        var rows: [(page: Int, position: Int, user: SourceUser)] = []
        for page in pages {
            for (position, user) in page.users.enumerated() { rows.append((page.page, position, user)) }
        }
        let outcome = StagingOutcome(staged: rows.count, quarantined: quarantined.count)
        let outcomeText = try StoreJSON.encode(outcome)
        let (ids, externalIDs) = (rows.map(\.user.id), rows.map(\.user.externalID))
        let (names, emails) = (rows.map(\.user.name), rows.map(\.user.email))
        let (pageNumbers, positions) = (rows.map(\.page), rows.map(\.position))
        let (rejectedPages, rejectedPositions) = (quarantined.map(\.page), quarantined.map(\.position))
        let (rawJSON, reasons) = (quarantined.map(\.rawJSON), quarantined.map(\.reason))
        // postgres-nio binds no array of optionals: the ids, and which of them are present.
        let (userIDs, hasUserID) = (quarantined.map { $0.userID ?? "" }, quarantined.map { $0.userID != nil })
        let lock = Self.tenantLockKey(tenant)
        // One statement, one implicit transaction: the function takes the tenant's lock, returns
        // the completion recorded before (a replay), or inserts the rows and records this one.
        let recorded = try await withConnection("insert_users_to_staging") { connection in
            let rows: FetchedRows
            do {
                rows = try await connection.boundedQuery("""
                    SELECT \(unescaped: self.table(PostgresDataSchema.stageBatchFunction))(
                        \(lock), \(runID), \(org), \(integration), \(batch),
                        \(ids)::text[], \(externalIDs)::text[], \(names)::text[], \(emails)::text[],
                        \(pageNumbers)::bigint[], \(positions)::bigint[],
                        \(rejectedPages)::bigint[], \(rejectedPositions)::bigint[], \(rawJSON)::text[], \(reasons)::text[],
                        \(userIDs)::text[], \(hasUserID)::boolean[], \(outcomeText), \(simulateFailure))
                    """, logger: self.logger)
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == PostgresDataSchema.simulatedFailureState {
                throw StoreError.simulatedFailure(operation: "insert_users_to_staging")
            }
            for try await value in rows.decode(String?.self) { return value }
            return nil
        }
        guard let recorded else { return outcome }
        return try StoreJSON.decode(StagingOutcome.self, recorded, what: "staging completion of \(runID)")
    }

    public func registerRun(runID: String, tenant: Tenant) async throws -> Int {
        try await transaction("register run", tenant: tenant) { connection in
            let (org, integration) = (tenant.organizationID, tenant.connectedIntegrationID)
            let runs = self.table("tenant_runs")
            try await connection.boundedQuery("""
                INSERT INTO \(unescaped: runs) (organization_id, connected_integration_id, workflow_id, sequence)
                SELECT \(org), \(integration), \(runID), COALESCE(MAX(sequence), 0) + 1 FROM \(unescaped: runs)
                WHERE organization_id = \(org) AND connected_integration_id = \(integration)
                ON CONFLICT DO NOTHING
                """, logger: self.logger)
            let rows = try await connection.boundedQuery("""
                SELECT sequence FROM \(unescaped: runs)
                WHERE organization_id = \(org) AND connected_integration_id = \(integration) AND workflow_id = \(runID)
                """, logger: self.logger).collect()
            guard let row = rows.first else {
                throw StoreError.corrupt(what: "tenant_runs", reason: "run \(runID) was registered but cannot be read back")
            }
            return try row.decode(Int.self)
        }
    }

    public func detectChanges(
        runID: String, tenant: Tenant, snapshotComplete: Bool, sequence: Int?, maxDeleteFraction: Double
    ) async throws -> CDCOutcome {
        try await transaction("cdc_detection", tenant: tenant) { connection in
            let stage = StageKey(runID: runID, tenant: tenant, stage: "cdc", part: 0)
            if let done = try await self.completion(connection, CDCOutcome.self, stage) { return done }
            let applied = try await self.lastAppliedRun(connection, tenant: tenant)
            var outcome: CDCOutcome
            if let sequence, let applied, applied.sequence > sequence {
                try await self.markSuperseded(connection, runID: runID, tenant: tenant, by: applied.runID)
                outcome = .superseded(by: applied.runID)
            } else {
                outcome = try await self.detect(connection, runID: runID, tenant: tenant, snapshotComplete: snapshotComplete,
                                                maxDeleteFraction: maxDeleteFraction)
                outcome.baseSequence = applied?.sequence ?? 0
            }
            try await self.recordCompletion(connection, outcome, stage)
            return outcome
        }
    }

    public func applyChanges(runID: String, tenant: Tenant, sequence: Int?, maxDeleteFraction: Double) async throws -> ApplyOutcome {
        try await transaction("apply_to_latest", tenant: tenant) { connection in
            let stage = StageKey(runID: runID, tenant: tenant, stage: "apply", part: 0)
            if let done = try await self.completion(connection, ApplyOutcome.self, stage) { return done }
            let (org, integration) = (tenant.organizationID, tenant.connectedIntegrationID)
            let (cdc, latest) = (self.table("users_cdc"), self.table("users_latest"))
            var redetected: CDCOutcome?
            if let sequence {
                let applied = try await self.lastAppliedRun(connection, tenant: tenant)
                if let applied, applied.sequence > sequence {
                    try await self.markSuperseded(connection, runID: runID, tenant: tenant, by: applied.runID)
                    let outcome = ApplyOutcome(applied: 0, latest: try await self.latestCount(connection, tenant),
                                               supersededBy: applied.runID)
                    try await self.recordCompletion(connection, outcome, stage)
                    return outcome
                }
                let detection = try await self.completion(
                    connection, CDCOutcome.self, StageKey(runID: runID, tenant: tenant, stage: "cdc", part: 0))
                if let detection, (applied?.sequence ?? 0) != (detection.baseSequence ?? 0) {
                    try await connection.boundedQuery("""
                        DELETE FROM \(unescaped: cdc)
                        WHERE workflow_id = \(runID) AND organization_id = \(org) AND connected_integration_id = \(integration)
                        """, logger: self.logger)
                    var again = try await self.detect(connection, runID: runID, tenant: tenant,
                                                      snapshotComplete: detection.snapshotComplete, maxDeleteFraction: maxDeleteFraction)
                    again.baseSequence = applied?.sequence ?? 0
                    redetected = again
                }
            }
            let upserted = try await self.count(connection.boundedQuery("""
                WITH changed AS (
                    INSERT INTO \(unescaped: latest)
                        (id, external_id, organization_id, connected_integration_id, name, email, last_updated)
                    SELECT id, external_id, organization_id, connected_integration_id, name, email, now()
                    FROM \(unescaped: cdc)
                    WHERE workflow_id = \(runID) AND organization_id = \(org) AND connected_integration_id = \(integration)
                      AND change_type IN ('INSERT', 'UPDATE')
                    ON CONFLICT (organization_id, connected_integration_id, id) DO UPDATE SET
                        external_id = EXCLUDED.external_id, name = EXCLUDED.name, email = EXCLUDED.email,
                        last_updated = EXCLUDED.last_updated
                    RETURNING 1)
                SELECT COUNT(*) FROM changed
                """, logger: self.logger))
            // The run's deletes by id first, then the latest rows by key: a join of the two
            // tables, planned on a fresh table's statistics, became a nested loop of
            // 1,000 × 1,000 rows (0.4 s per pipeline).
            let gone = try await self.strings(connection.boundedQuery("""
                SELECT id FROM \(unescaped: cdc)
                WHERE workflow_id = \(runID) AND organization_id = \(org) AND connected_integration_id = \(integration)
                  AND change_type = 'DELETE'
                """, logger: self.logger))
            var deleted = 0
            for part in gone.chunks(of: Self.batchRows) {
                let ids = Array(part)
                deleted += try await self.count(connection.boundedQuery("""
                    WITH gone AS (
                        DELETE FROM \(unescaped: latest)
                        WHERE organization_id = \(org) AND connected_integration_id = \(integration) AND id = ANY(\(ids)::text[])
                        RETURNING 1)
                    SELECT COUNT(*) FROM gone
                    """, logger: self.logger))
            }
            try await connection.boundedQuery("""
                UPDATE \(unescaped: self.table("tenant_runs")) SET applied_at = now()
                WHERE organization_id = \(org) AND connected_integration_id = \(integration) AND workflow_id = \(runID)
                """, logger: self.logger)
            let outcome = ApplyOutcome(applied: upserted + deleted, latest: try await self.latestCount(connection, tenant),
                                       redetected: redetected)
            try await self.recordCompletion(connection, outcome, stage)
            return outcome
        }
    }

    /// Writes run `runID`'s changes into `users_cdc` and counts them: the SQLite store's
    /// statements (see ``StoreActor/detectChanges(runID:tenant:snapshotComplete:sequence:maxDeleteFraction:)``).
    private func detect(
        _ connection: PostgresConnection, runID: String, tenant: Tenant, snapshotComplete: Bool, maxDeleteFraction: Double
    ) async throws -> CDCOutcome {
        let (org, integration) = (tenant.organizationID, tenant.connectedIntegrationID)
        let (staging, cdc, latest, quarantine) = (
            table("users_staging"), table("users_cdc"), table("users_latest"), table("users_quarantine"))
        let latestBefore = try await latestCount(connection, tenant)
        try await connection.boundedQuery(detectStatement(runID: runID, tenant: tenant), logger: logger)
        let duplicates = try await count(connection.boundedQuery("""
            SELECT COUNT(*) - COUNT(DISTINCT id) FROM \(unescaped: staging)
            WHERE workflow_id = \(runID) AND organization_id = \(org) AND connected_integration_id = \(integration)
            """, logger: logger))
        var withheld = 0
        var notInferred: String?
        if snapshotComplete {
            let anonymous = try await count(connection.boundedQuery("""
                SELECT COUNT(*) FROM \(unescaped: quarantine)
                WHERE workflow_id = \(runID) AND organization_id = \(org) AND connected_integration_id = \(integration)
                  AND user_id IS NULL
                """, logger: logger))
            if anonymous > 0 {
                notInferred = "\(anonymous) quarantined record\(anonymous == 1 ? " has" : "s have") no usable id, so any user could be among them"
            } else {
                // The latest users with neither a staging row nor a quarantined record in the
                // run: read once, counted for the guard, then recorded as deletes by key.
                let absent = try await strings(connection.boundedQuery(absentStatement(runID: runID, tenant: tenant), logger: logger))
                if !absent.isEmpty, Double(absent.count) > maxDeleteFraction * Double(latestBefore) {
                    withheld = absent.count
                } else {
                    for part in absent.chunks(of: Self.batchRows) {
                        let ids = Array(part)
                        try await connection.boundedQuery("""
                            INSERT INTO \(unescaped: cdc)
                                (id, workflow_id, external_id, organization_id, connected_integration_id, name, email, change_type)
                            SELECT l.id, \(runID), l.external_id, \(org), \(integration), l.name, l.email, 'DELETE'
                            FROM \(unescaped: latest) l
                            WHERE l.organization_id = \(org) AND l.connected_integration_id = \(integration) AND l.id = ANY(\(ids)::text[])
                            """, logger: logger)
                    }
                }
            }
        }
        var outcome = CDCOutcome(inserts: 0, updates: 0, deletes: 0, duplicates: duplicates, withheldDeletes: withheld,
                                 latestBefore: latestBefore, deletesNotInferred: notInferred, snapshotComplete: snapshotComplete)
        let counts = try await connection.boundedQuery("""
            SELECT change_type, COUNT(*) FROM \(unescaped: cdc)
            WHERE workflow_id = \(runID) AND organization_id = \(org) AND connected_integration_id = \(integration)
            GROUP BY change_type
            """, logger: logger)
        for try await (type, count) in counts.decode((String, Int).self) {
            switch ChangeType(rawValue: type) {
            case .insert: outcome.inserts = count
            case .update: outcome.updates = count
            case .delete: outcome.deletes = count
            case nil: break
            }
        }
        return outcome
    }

    /// Writes the run's inserts and updates into `users_cdc`: each user's last staged
    /// occurrence (highest page, then position) that is new or differs from `users_latest`.
    ///
    /// Each staged user is looked up in `users_latest` by its whole key (a `LATERAL` subquery
    /// with `LIMIT 1`, which the planner cannot flatten into a join). As a plain `LEFT JOIN`,
    /// planned on a fresh table's statistics (the estimate: one row), it became a nested loop
    /// that scanned the tenant's latest rows for every staged user: 1,000 × 1,000 comparisons,
    /// 0.19 s per run, quadratic in the tenant's size, once the tenant had been loaded before.
    func detectStatement(runID: String, tenant: Tenant) -> PostgresQuery {
        let (org, integration) = (tenant.organizationID, tenant.connectedIntegrationID)
        return """
            WITH staged AS (
                SELECT id, external_id, name, email,
                       ROW_NUMBER() OVER (PARTITION BY id ORDER BY page DESC, position DESC) AS rn
                FROM \(unescaped: table("users_staging"))
                WHERE workflow_id = \(runID) AND organization_id = \(org) AND connected_integration_id = \(integration)
            )
            INSERT INTO \(unescaped: table("users_cdc"))
                (id, workflow_id, external_id, organization_id, connected_integration_id, name, email, change_type)
            SELECT s.id, \(runID), s.external_id, \(org), \(integration), s.name, s.email,
                   CASE WHEN l.id IS NULL THEN 'INSERT' ELSE 'UPDATE' END
            FROM staged s
            LEFT JOIN LATERAL (
                SELECT k.id, k.name, k.email, k.external_id FROM \(unescaped: table("users_latest")) k
                WHERE k.organization_id = \(org) AND k.connected_integration_id = \(integration) AND k.id = s.id
                LIMIT 1
            ) l ON true
            WHERE s.rn = 1
              AND (l.id IS NULL OR l.name != s.name OR l.email != s.email OR l.external_id != s.external_id)
            """
    }

    /// The ids of the tenant's latest users with neither a staging row nor a quarantined
    /// record (naming them) in the run: the deletes of a complete snapshot.
    ///
    /// Set differences (`EXCEPT`), which Postgres runs by hashing or sorting, never as a nested
    /// loop: as `NOT EXISTS` subqueries on a fresh table's statistics, the anti-join scanned
    /// the run's staged rows once per latest user (0.32 s for 1,000 users, quadratic).
    func absentStatement(runID: String, tenant: Tenant) -> PostgresQuery {
        let (org, integration) = (tenant.organizationID, tenant.connectedIntegrationID)
        return """
            SELECT id FROM \(unescaped: table("users_latest"))
            WHERE organization_id = \(org) AND connected_integration_id = \(integration)
            EXCEPT
            SELECT id FROM \(unescaped: table("users_staging"))
            WHERE workflow_id = \(runID) AND organization_id = \(org) AND connected_integration_id = \(integration)
            EXCEPT
            SELECT user_id FROM \(unescaped: table("users_quarantine"))
            WHERE workflow_id = \(runID) AND organization_id = \(org) AND connected_integration_id = \(integration)
              AND user_id IS NOT NULL
            """
    }

    // MARK: - Runs and sync

    public func runsToSync(runID: String, tenant: Tenant, sequence: Int?) async throws -> [String] {
        guard let sequence else { return [runID] }
        return try await read("read tenant_runs") { connection in
            try await self.strings(connection.boundedQuery("""
                SELECT workflow_id FROM \(unescaped: self.table("tenant_runs"))
                WHERE organization_id = \(tenant.organizationID) AND connected_integration_id = \(tenant.connectedIntegrationID)
                  AND sequence < \(sequence) AND applied_at IS NOT NULL AND synced_at IS NULL
                ORDER BY sequence
                """, logger: self.logger)) + [runID]
        }
    }

    public func markSynced(runID: String, tenant: Tenant) async throws {
        _ = try await transaction("mark run synced", tenant: tenant) { connection in
            try await connection.boundedQuery("""
                UPDATE \(unescaped: self.table("tenant_runs")) SET synced_at = now()
                WHERE organization_id = \(tenant.organizationID) AND connected_integration_id = \(tenant.connectedIntegrationID)
                  AND workflow_id = \(runID) AND synced_at IS NULL
                """, logger: self.logger)
        }
    }

    public func unsyncedRuns(tenant: Tenant) async throws -> [String] {
        try await read("read tenant_runs") { connection in
            try await self.strings(connection.boundedQuery("""
                SELECT workflow_id FROM \(unescaped: self.table("tenant_runs"))
                WHERE organization_id = \(tenant.organizationID) AND connected_integration_id = \(tenant.connectedIntegrationID)
                  AND applied_at IS NOT NULL AND synced_at IS NULL
                ORDER BY sequence
                """, logger: self.logger))
        }
    }

    public func changeChunks(runID: String, tenant: Tenant, chunkSize: Int) -> any ChangeChunks {
        PostgresChangeReader(store: self, runID: runID, tenant: tenant, chunkSize: chunkSize)
    }

    // MARK: - Reads

    public func changes(runID: String, tenant: Tenant) async throws -> [UserChange] {
        try await changes(runID: runID, tenant: tenant, after: nil, limit: nil)
    }

    /// Run `runID`'s changes with ids after `after`, by id, at most `limit`.
    func changes(runID: String, tenant: Tenant, after: String?, limit: Int?) async throws -> [UserChange] {
        try await read("read users_cdc") { connection in
            let rows = try await connection.boundedQuery("""
                SELECT id, external_id, name, email, change_type FROM \(unescaped: self.table("users_cdc"))
                WHERE workflow_id = \(runID) AND organization_id = \(tenant.organizationID)
                  AND connected_integration_id = \(tenant.connectedIntegrationID) AND id > \(after ?? "")
                ORDER BY id LIMIT \(limit ?? Int(Int32.max))
                """, logger: self.logger)
            var result: [UserChange] = []
            for try await (id, externalID, name, email, type) in rows.decode((String, String, String, String, String).self) {
                guard let changeType = ChangeType(rawValue: type) else {
                    throw StoreError.corrupt(what: "users_cdc.change_type", reason: "'\(type)' is not INSERT, UPDATE or DELETE")
                }
                result.append(UserChange(id: id, externalID: externalID, name: name, email: email, changeType: changeType))
            }
            return result
        }
    }

    public func count(_ table: DataTable, tenant: Tenant?, runID: String?) async throws -> Int {
        let name = self.table(table.rawValue)
        let runID = table == .latest ? nil : runID
        return try await read("count \(table.rawValue)") { connection in
            let query: PostgresQuery = switch (tenant, runID) {
            case (nil, nil): "SELECT COUNT(*) FROM \(unescaped: name)"
            case (let tenant?, nil):
                """
                SELECT COUNT(*) FROM \(unescaped: name)
                WHERE organization_id = \(tenant.organizationID) AND connected_integration_id = \(tenant.connectedIntegrationID)
                """
            case (nil, let runID?): "SELECT COUNT(*) FROM \(unescaped: name) WHERE workflow_id = \(runID)"
            case (let tenant?, let runID?):
                """
                SELECT COUNT(*) FROM \(unescaped: name)
                WHERE organization_id = \(tenant.organizationID) AND connected_integration_id = \(tenant.connectedIntegrationID)
                  AND workflow_id = \(runID)
                """
            }
            return try await self.count(connection.boundedQuery(query, logger: self.logger))
        }
    }

    public func latestUsers(tenant: Tenant) async throws -> [SourceUser] {
        try await read("read users_latest") { connection in
            var result: [SourceUser] = []
            for try await (id, externalID, name, email) in try await connection.boundedQuery("""
                SELECT id, external_id, name, email FROM \(unescaped: self.table("users_latest"))
                WHERE organization_id = \(tenant.organizationID) AND connected_integration_id = \(tenant.connectedIntegrationID)
                ORDER BY id
                """, logger: self.logger).decode((String, String, String, String).self) {
                result.append(SourceUser(id: id, externalID: externalID, name: name, email: email))
            }
            return result
        }
    }

    public func quarantined(tenant: Tenant) async throws -> [QuarantinedRecord] {
        try await read("read users_quarantine") { connection in
            var result: [QuarantinedRecord] = []
            for try await (page, position, raw, reason, userID) in try await connection.boundedQuery("""
                SELECT page, position, raw_json, reason, user_id FROM \(unescaped: self.table("users_quarantine"))
                WHERE organization_id = \(tenant.organizationID) AND connected_integration_id = \(tenant.connectedIntegrationID)
                ORDER BY workflow_id, page, position
                """, logger: self.logger).decode((Int, Int, String, String, String?).self) {
                result.append(QuarantinedRecord(page: page, position: position, rawJSON: raw, reason: reason, userID: userID))
            }
            return result
        }
    }

    public func duplicateStagingRows() async throws -> Int {
        try await read("count duplicate staging rows") { connection in
            let staging = self.table("users_staging")
            return try await self.count(connection.boundedQuery("""
                SELECT COUNT(*) - (SELECT COUNT(*) FROM (
                    SELECT DISTINCT id, organization_id, connected_integration_id, workflow_id, page, position
                    FROM \(unescaped: staging)) d)
                FROM \(unescaped: staging)
                """, logger: self.logger))
        }
    }

    public func close() async {
        await connections.closeAll()
    }

    // MARK: - Plumbing

    /// One stage's completion record key.
    struct StageKey {
        var runID: String
        var tenant: Tenant
        var stage: String
        var part: Int
    }

    private func completion<T: Decodable>(_ connection: PostgresConnection, _ type: T.Type, _ key: StageKey) async throws -> T? {
        let rows = try await connection.boundedQuery("""
            SELECT outcome FROM \(unescaped: table("stage_completions"))
            WHERE workflow_id = \(key.runID) AND organization_id = \(key.tenant.organizationID)
              AND connected_integration_id = \(key.tenant.connectedIntegrationID) AND stage = \(key.stage) AND part = \(key.part)
            """, logger: logger).collect()
        guard let row = rows.first else { return nil }
        return try StoreJSON.decode(T.self, try row.decode(String.self), what: "\(key.stage) completion of \(key.runID)")
    }

    private func recordCompletion<T: Encodable>(_ connection: PostgresConnection, _ outcome: T, _ key: StageKey) async throws {
        let text = try StoreJSON.encode(outcome)
        try await connection.boundedQuery("""
            INSERT INTO \(unescaped: table("stage_completions"))
                (workflow_id, organization_id, connected_integration_id, stage, part, outcome)
            VALUES (\(key.runID), \(key.tenant.organizationID), \(key.tenant.connectedIntegrationID), \(key.stage), \(key.part), \(text))
            """, logger: logger)
    }

    private func lastAppliedRun(_ connection: PostgresConnection, tenant: Tenant) async throws -> (sequence: Int, runID: String)? {
        let rows = try await connection.boundedQuery("""
            SELECT sequence, workflow_id FROM \(unescaped: table("tenant_runs"))
            WHERE organization_id = \(tenant.organizationID) AND connected_integration_id = \(tenant.connectedIntegrationID)
              AND applied_at IS NOT NULL
            ORDER BY sequence DESC LIMIT 1
            """, logger: logger).collect()
        guard let row = rows.first else { return nil }
        let (sequence, runID) = try row.decode((Int, String).self)
        return (sequence, runID)
    }

    private func markSuperseded(_ connection: PostgresConnection, runID: String, tenant: Tenant, by newer: String) async throws {
        try await connection.boundedQuery("""
            UPDATE \(unescaped: table("tenant_runs")) SET superseded_by = \(newer)
            WHERE organization_id = \(tenant.organizationID) AND connected_integration_id = \(tenant.connectedIntegrationID)
              AND workflow_id = \(runID)
            """, logger: logger)
    }

    private func latestCount(_ connection: PostgresConnection, _ tenant: Tenant) async throws -> Int {
        try await count(connection.boundedQuery("""
            SELECT COUNT(*) FROM \(unescaped: table("users_latest"))
            WHERE organization_id = \(tenant.organizationID) AND connected_integration_id = \(tenant.connectedIntegrationID)
            """, logger: logger))
    }

    /// The single integer a `SELECT COUNT(*)` returns.
    private func count(_ rows: FetchedRows) async throws -> Int {
        for try await value in rows.decode(Int.self) { return value }
        return 0
    }

    private func strings(_ rows: FetchedRows) async throws -> [String] {
        var result: [String] = []
        for try await value in rows.decode(String.self) { result.append(value) }
        return result
    }

    /// Runs `body` in one transaction; with a tenant, first takes the tenant's transaction-level
    /// advisory lock, so one tenant's writes are serialised across every machine.
    func transaction<T: Sendable>(
        _ operation: String, tenant: Tenant?, waitsForReconnect: Bool = true,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection(operation, waitsForReconnect: waitsForReconnect) { connection in
            try await connection.boundedQuery("BEGIN", logger: self.logger)
            if let tenant {
                try await connection.boundedQuery(
                    "SELECT pg_advisory_xact_lock(hashtextextended(\(Self.tenantLockKey(tenant)), 0))", logger: self.logger)
            }
            let value = try await body(connection)
            try await connection.boundedQuery("COMMIT", logger: self.logger)
            return value
        }
    }

    /// The text whose hash is the tenant's advisory lock key, in every transaction and in the
    /// staging function.
    static func tenantLockKey(_ tenant: Tenant) -> String {
        "elt.tenant/\(tenant.organizationID)/\(tenant.connectedIntegrationID)"
    }

    func read<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection(operation, body)
    }

    /// Runs `body` on a kept or new connection (see ``DirectConnections/withConnection(_:)``);
    /// a failure is a ``StoreError`` naming the operation. A lost connection, or one that cannot
    /// be made, is retried on a new one (from 50 ms to 2 s apart, with a warning each time)
    /// until ``reconnectTimeout`` has passed, unless `waitsForReconnect` is false.
    private func withConnection<T: Sendable>(
        _ operation: String, waitsForReconnect: Bool = true, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let clock = ContinuousClock()
        let started = clock.now
        var delay = Duration.milliseconds(50)
        var retried = false
        while true {
            do {
                return try await connections.withConnection(body)
            } catch {
                let cause = (error as? DirectConnections.ConnectFailure)?.underlying ?? error
                let elapsed = clock.now - started
                guard waitsForReconnect, !(error is CancellationError), !Task.isCancelled,
                      PostgresErrorText.isConnectionLoss(cause), elapsed + delay <= reconnectTimeout
                else {
                    throw storeError(error, operation: operation, retriedFor: retried ? elapsed : nil)
                }
                logger.warning("data database connection lost; retrying", metadata: [
                    "operation": "\(operation)", "delay": "\(delay)", "error": "\(PostgresErrorText.describe(cause))",
                ])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
                retried = true
            }
        }
    }

    /// `error` as the ``StoreError`` of `operation`.
    private func storeError(_ error: any Error, operation: String, retriedFor elapsed: Duration?) -> any Error {
        if error is StoreError || error is CancellationError { return error }
        if PostgresErrorText.isStorageFailure(error) {
            return StorageFailure(store: "data database", path: location, operation: operation, reason: PostgresErrorText.describe(error))
        }
        var reason = (error as? DirectConnections.ConnectFailure)?.description ?? PostgresErrorText.describe(error)
        if let elapsed, PostgresErrorText.isConnectionLoss((error as? DirectConnections.ConnectFailure)?.underlying ?? error) {
            reason += " (retried for \(elapsed.components.seconds) s, up to the reconnect timeout of \(reconnectTimeout.components.seconds) s)"
        }
        return StoreError.failed(operation: operation, path: location, reason: reason)
    }

    // MARK: - Migrations

    /// Creates the schema and tables, or migrates them, once across processes: one transaction
    /// under a transaction-level advisory lock on the schema, so a second process waits and
    /// then finds the work done. A newer schema version is refused.
    func migrate() async throws {
        // Fails at once when the server cannot be reached: a server starting against a wrong or
        // down data database should say so, not wait for the reconnect timeout.
        try await transaction("migrate the data tables", tenant: nil, waitsForReconnect: false) { connection in
            // The journal's lock on this schema name (two-key form): the journal, the data tables
            // and the sync target may share a schema, and must not race to create it.
            try await connection.boundedQuery("SELECT pg_advisory_xact_lock(1785624001, hashtext(\(self.schema)))", logger: self.logger)
            try await connection.boundedQuery(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(self.schema)\""), logger: self.logger)
            let migrations = self.table("data_migrations")
            try await connection.boundedQuery(PostgresQuery(unsafeSQL: """
                CREATE TABLE IF NOT EXISTS \(migrations) (
                    version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """), logger: self.logger)
            let version = try await self.count(connection.boundedQuery(
                "SELECT COALESCE(MAX(version), 0) FROM \(unescaped: migrations)", logger: self.logger))
            guard version <= Self.schemaVersion else {
                throw StoreError.corrupt(
                    what: "the data tables' schema",
                    reason: "version \(version) is newer than this program's \(Self.schemaVersion); use a newer elt, or another --data-schema")
            }
            guard version < Self.schemaVersion else { return }
            if version < 1 {
                for statement in PostgresDataSchema.version1(schema: self.schema) {
                    try await connection.boundedQuery(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
            }
            if version < 2 {
                // Version 2: store_identity, one row naming this store (DataStoreStamp).
                let identity = self.table("store_identity")
                try await connection.boundedQuery(
                    PostgresQuery(unsafeSQL: "CREATE TABLE IF NOT EXISTS \(identity) (id TEXT NOT NULL)"), logger: self.logger)
                let id = UUID().uuidString.lowercased()
                try await connection.boundedQuery("""
                    INSERT INTO \(unescaped: identity) (id) SELECT \(id) WHERE NOT EXISTS (SELECT 1 FROM \(unescaped: identity))
                    """, logger: self.logger)
            }
            if version < 3 {
                // Version 3: the staging transaction as one function call (PostgresDataSchema.stageBatch).
                try await connection.boundedQuery(
                    PostgresQuery(unsafeSQL: PostgresDataSchema.stageBatch(schema: self.schema)), logger: self.logger)
            }
            let target = Self.schemaVersion
            try await connection.boundedQuery("INSERT INTO \(unescaped: migrations) (version) VALUES (\(target))", logger: self.logger)
        }
    }
}

/// Reads one run's changes from `users_cdc` in chunks, by user id (keyset paging), one short
/// read per chunk.
final class PostgresChangeReader: ChangeChunks {
    private let store: PostgresDataStore
    private let runID: String
    private let tenant: Tenant
    private let chunkSize: Int
    private let cursor = Mutex<(after: String?, done: Bool)>((nil, false))

    init(store: PostgresDataStore, runID: String, tenant: Tenant, chunkSize: Int) {
        precondition(chunkSize > 0, "a change reader needs a positive chunk size, got \(chunkSize)")
        (self.store, self.runID, self.tenant, self.chunkSize) = (store, runID, tenant, chunkSize)
    }

    func next() async throws -> [UserChange]? {
        let (after, done) = cursor.withLock { $0 }
        if done { return nil }
        let chunk = try await store.changes(runID: runID, tenant: tenant, after: after, limit: chunkSize)
        cursor.withLock { $0 = (chunk.last?.id ?? after, chunk.count < chunkSize) }
        return chunk.isEmpty ? nil : chunk
    }
}

/// The DDL of the Postgres data tables: the SQLite store's tables at its version 3, with `"C"`
/// collation on text keys (byte order, as SQLite compares).
enum PostgresDataSchema {
    /// The staging function's name (schema version 3).
    static let stageBatchFunction = "elt_stage_batch"
    /// The SQLSTATE the staging function raises for a simulated failure (`--seed-failures`),
    /// after its inserts, so the whole call rolls back as a real failure would.
    static let simulatedFailureState = "ELT01"

    /// `insert_users_to_staging` as one PL/pgSQL function, so a batch is one round trip and one
    /// implicit transaction where it was six (BEGIN, the tenant's lock, the completion check, the
    /// rows, the completion, COMMIT), and Postgres plans its statements once per session where
    /// each statement sent as text was parsed and planned on every batch. It takes the tenant's
    /// transaction-level lock (the same key as every other write of the tenant), returns the
    /// completion a replayed batch finds (writing nothing), else inserts the staging rows
    /// (`unnest` of the columns), the quarantined records (`ON CONFLICT DO NOTHING`, as
    /// before) and the completion, and returns NULL.
    static func stageBatch(schema: String) -> String {
        let s = "\"\(schema)\""
        return """
            CREATE OR REPLACE FUNCTION \(s).\(stageBatchFunction)(
                p_lock text, p_run text, p_org text, p_integration text, p_batch int8,
                p_ids text[], p_external_ids text[], p_names text[], p_emails text[], p_pages int8[], p_positions int8[],
                q_pages int8[], q_positions int8[], q_raw_json text[], q_reasons text[], q_user_ids text[],
                q_has_user_id boolean[], p_outcome text, p_fail boolean)
            RETURNS text LANGUAGE plpgsql AS $function$
            DECLARE
              recorded text;
            BEGIN
              PERFORM pg_advisory_xact_lock(hashtextextended(p_lock, 0));
              SELECT outcome INTO recorded FROM \(s).stage_completions
              WHERE workflow_id = p_run AND organization_id = p_org AND connected_integration_id = p_integration
                AND stage = 'staging' AND part = p_batch;
              IF FOUND THEN
                RETURN recorded;
              END IF;
              INSERT INTO \(s).users_staging
                  (id, workflow_id, external_id, organization_id, connected_integration_id, name, email, page, position)
              SELECT u.id, p_run, u.external_id, p_org, p_integration, u.name, u.email, u.page, u.position
              FROM unnest(p_ids, p_external_ids, p_names, p_emails, p_pages, p_positions)
                  AS u(id, external_id, name, email, page, position);
              INSERT INTO \(s).users_quarantine
                  (workflow_id, organization_id, connected_integration_id, page, position, raw_json, reason, user_id)
              SELECT p_run, p_org, p_integration, q.page, q.position, q.raw_json, q.reason,
                     CASE WHEN q.has_user_id THEN q.user_id END
              FROM unnest(q_pages, q_positions, q_raw_json, q_reasons, q_user_ids, q_has_user_id)
                  AS q(page, position, raw_json, reason, user_id, has_user_id)
              ON CONFLICT DO NOTHING;
              IF p_fail THEN
                RAISE EXCEPTION 'simulated failure of insert_users_to_staging' USING ERRCODE = '\(simulatedFailureState)';
              END IF;
              INSERT INTO \(s).stage_completions (workflow_id, organization_id, connected_integration_id, stage, part, outcome)
              VALUES (p_run, p_org, p_integration, 'staging', p_batch, p_outcome);
              RETURN NULL;
            END
            $function$
            """
    }

    static func version1(schema: String) -> [String] {
        let s = "\"\(schema)\""
        let key = "TEXT COLLATE \"C\" NOT NULL"
        return [
            """
            CREATE TABLE \(s).connected_integrations (
                id TEXT COLLATE "C" PRIMARY KEY, organization_id \(key), provider \(key), provider_data TEXT NOT NULL)
            """,
            """
            CREATE TABLE \(s).users_staging (
                id \(key), workflow_id \(key), external_id TEXT NOT NULL,
                organization_id \(key), connected_integration_id \(key),
                name TEXT NOT NULL, email TEXT NOT NULL, page BIGINT NOT NULL, position BIGINT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                PRIMARY KEY (workflow_id, organization_id, connected_integration_id, id, page, position))
            """,
            """
            CREATE TABLE \(s).users_cdc (
                id \(key), workflow_id \(key), external_id TEXT NOT NULL,
                organization_id \(key), connected_integration_id \(key),
                name TEXT NOT NULL, email TEXT NOT NULL, change_type TEXT NOT NULL,
                detected_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                PRIMARY KEY (workflow_id, organization_id, connected_integration_id, id))
            """,
            """
            CREATE TABLE \(s).users_latest (
                id \(key), external_id TEXT NOT NULL, organization_id \(key), connected_integration_id \(key),
                name TEXT NOT NULL, email TEXT NOT NULL, last_updated TIMESTAMPTZ NOT NULL DEFAULT now(),
                PRIMARY KEY (organization_id, connected_integration_id, id))
            """,
            """
            CREATE TABLE \(s).users_quarantine (
                workflow_id \(key), organization_id \(key), connected_integration_id \(key),
                page BIGINT NOT NULL, position BIGINT NOT NULL, raw_json TEXT NOT NULL, reason TEXT NOT NULL,
                user_id TEXT COLLATE "C", quarantined_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                PRIMARY KEY (workflow_id, organization_id, connected_integration_id, page, position))
            """,
            """
            CREATE TABLE \(s).stage_completions (
                workflow_id \(key), organization_id \(key), connected_integration_id \(key),
                stage TEXT NOT NULL, part BIGINT NOT NULL, outcome TEXT NOT NULL,
                completed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                PRIMARY KEY (workflow_id, organization_id, connected_integration_id, stage, part))
            """,
            """
            CREATE TABLE \(s).tenant_runs (
                organization_id \(key), connected_integration_id \(key), workflow_id \(key),
                sequence BIGINT NOT NULL, registered_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                applied_at TIMESTAMPTZ, synced_at TIMESTAMPTZ, superseded_by TEXT,
                PRIMARY KEY (organization_id, connected_integration_id, workflow_id),
                UNIQUE (organization_id, connected_integration_id, sequence))
            """,
        ]
    }
}
