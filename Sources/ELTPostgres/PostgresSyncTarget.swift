import ELT
import Foundation
import Logging
import PostgresNIO
import PostgresSupport

/// The production sync target: the main Postgres database, tables `users` and `sync_runs` in
/// a schema (`public` by default).
///
/// Each ``apply(runID:tenant:changes:)`` opens one connection and runs one transaction: it claims
/// the run in `sync_runs` (a second claim waits for the first and then finds it), reads the
/// run's changes a chunk at a time, upserts and deletes in batches of ``batchSize`` rows per statement (`unnest` arrays, one round trip per
/// batch), and records the counts. A sync is one transaction per pipeline run on a direct
/// connection; up to ``idleConnections`` of them are kept open between runs (so a run does not
/// pay a connect), which needs no pool service running beside it. ``close()`` closes them.
public struct PostgresSyncTarget: SyncTarget {
    /// The URL without its password.
    public let location: String
    /// `Postgres`.
    public var kind: String { "Postgres" }
    /// The schema holding `users` and `sync_runs`.
    public let schema: String
    /// Rows per upsert or delete statement.
    public var batchSize = 1_000
    /// Connections kept open between runs (as many as pipelines run at once by default).
    public static let idleConnections = 5
    let connections: DirectConnections
    private let logger: Logger

    /// A target at `url` (`postgres://user:password@host:port/database`), in `schema`.
    public init(url: String, schema: String = "public", logger: Logger = Logger(label: "elt.sync")) throws {
        guard schema.first.map({ $0 == "_" || ($0.isASCII && $0.isLetter) }) == true,
              schema.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }), schema.count <= 63 else {
            throw SyncTargetError(location: "postgres", operation: "configure",
                                  reason: "schema '\(schema)' is not a plain identifier (letters, digits, _; not starting with a digit)")
        }
        let endpoint: PostgresEndpoint
        do {
            endpoint = try PostgresEndpoint(url: url)
        } catch {
            throw SyncTargetError(location: "postgres", operation: "configure", reason: error.description)
        }
        location = endpoint.redacted
        // A session paused inside a run's transaction is ended, as the data store's are (see
        // PostgresDataStore.idleInTransactionTimeout): its row locks would block that tenant's
        // sync on every other server.
        let parameters = PostgresEndpoint.sessionParameters(
            applicationName: "elt-sync", idleInTransactionTimeout: PostgresDataStore.idleInTransactionTimeout)
        connections = DirectConnections(
            configuration: try endpoint.connectionConfiguration(startupParameters: parameters), database: location, logger: logger,
            capacity: Self.idleConnections)
        self.schema = schema
        self.logger = logger
    }

    private var users: String { "\"\(schema)\".users" }
    private var runs: String { "\"\(schema)\".sync_runs" }

    /// Creates the schema and tables if missing, in one transaction under an advisory lock on
    /// the schema name (the lock the journal and the data store take), so servers starting
    /// together on an empty database do not race (`CREATE … IF NOT EXISTS` alone does:
    /// Postgres then fails one of them on `pg_type_typname_nsp_index`).
    public func prepare() async throws {
        try await withConnection("create tables") { connection in
            try await connection.boundedQuery("BEGIN", logger: logger)
            try await connection.boundedQuery("SELECT pg_advisory_xact_lock(1785624001, hashtext(\(schema)))", logger: logger)
            try await connection.boundedQuery("CREATE SCHEMA IF NOT EXISTS \(unescaped: "\"\(schema)\"")", logger: logger)
            try await connection.boundedQuery("""
                CREATE TABLE IF NOT EXISTS \(unescaped: users) (
                    id TEXT NOT NULL,
                    external_id TEXT NOT NULL,
                    organization_id TEXT NOT NULL,
                    connected_integration_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    email TEXT NOT NULL,
                    synced_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    PRIMARY KEY (id, organization_id, connected_integration_id)
                )
                """, logger: logger)
            try await connection.boundedQuery("""
                CREATE TABLE IF NOT EXISTS \(unescaped: runs) (
                    workflow_id TEXT NOT NULL,
                    organization_id TEXT NOT NULL,
                    connected_integration_id TEXT NOT NULL,
                    upserts INTEGER NOT NULL,
                    deletes INTEGER NOT NULL,
                    synced_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    PRIMARY KEY (workflow_id, organization_id, connected_integration_id)
                )
                """, logger: logger)
            let identity = "\"\(schema)\".sync_identity"
            try await connection.boundedQuery("CREATE TABLE IF NOT EXISTS \(unescaped: identity) (id TEXT NOT NULL)", logger: logger)
            let id = UUID().uuidString.lowercased()
            try await connection.boundedQuery("""
                INSERT INTO \(unescaped: identity) (id) SELECT \(id) WHERE NOT EXISTS (SELECT 1 FROM \(unescaped: identity))
                """, logger: logger)
            try await connection.boundedQuery("COMMIT", logger: logger)
        }
    }

    /// The id in `sync_identity` (created by ``prepare()``, which must have run).
    public func identity() async throws -> String {
        try await withConnection("read the identity") { connection in
            for try await id in try await connection.boundedQuery(
                "SELECT id FROM \(unescaped: "\"\(schema)\".sync_identity") LIMIT 1", logger: logger).decode(String.self) {
                return id
            }
            throw SyncTargetError(location: location, operation: "read the identity", reason: "sync_identity is empty")
        }
    }

    /// Applies the run's changes once, in one transaction, a chunk at a time.
    public func apply(runID: String, tenant: Tenant, changes: any ChangeChunks) async throws -> SyncOutcome {
        let org = tenant.organizationID
        let integration = tenant.connectedIntegrationID
        return try await withConnection("sync run \(runID)") { connection in
            try await connection.boundedQuery("BEGIN", logger: logger)
            do {
                let claimed = try await connection.boundedQuery("""
                    INSERT INTO \(unescaped: runs) (workflow_id, organization_id, connected_integration_id, upserts, deletes)
                    VALUES (\(runID), \(org), \(integration), 0, 0)
                    ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: logger).collect()
                guard !claimed.isEmpty else {
                    let recorded = try await connection.boundedQuery("""
                        SELECT upserts, deletes FROM \(unescaped: runs)
                        WHERE workflow_id = \(runID) AND organization_id = \(org) AND connected_integration_id = \(integration)
                        """, logger: logger).collect()
                    try await connection.boundedQuery("ROLLBACK", logger: logger)
                    var (upserts, deletes): (Int32, Int32) = (0, 0)
                    if let row = recorded.first { (upserts, deletes) = try row.decode((Int32, Int32).self) }
                    return SyncOutcome(upserts: Int(upserts), deletes: Int(deletes), alreadyApplied: true)
                }
                var upsertCount = 0, deleteCount = 0
                while let chunk = try await changes.next() {
                    let upserts = chunk.filter { $0.changeType != .delete }
                    let deletes = chunk.filter { $0.changeType == .delete }
                    for part in upserts.chunks(of: batchSize) {
                        let ids = part.map(\.id), externalIDs = part.map(\.externalID)
                        let names = part.map(\.name), emails = part.map(\.email)
                        try await connection.boundedQuery("""
                            INSERT INTO \(unescaped: users) (id, external_id, organization_id, connected_integration_id, name, email)
                            SELECT u.id, u.external_id, \(org), \(integration), u.name, u.email
                            FROM unnest(\(ids)::text[], \(externalIDs)::text[], \(names)::text[], \(emails)::text[])
                                AS u(id, external_id, name, email)
                            ON CONFLICT (id, organization_id, connected_integration_id) DO UPDATE SET
                                external_id = EXCLUDED.external_id, name = EXCLUDED.name, email = EXCLUDED.email, synced_at = now()
                            """, logger: logger)
                    }
                    for part in deletes.chunks(of: batchSize) {
                        let ids = part.map(\.id)
                        try await connection.boundedQuery("""
                            DELETE FROM \(unescaped: users)
                            WHERE organization_id = \(org) AND connected_integration_id = \(integration) AND id = ANY(\(ids)::text[])
                            """, logger: logger)
                    }
                    upsertCount += upserts.count
                    deleteCount += deletes.count
                }
                let (recordedUpserts, recordedDeletes) = (Int32(upsertCount), Int32(deleteCount))
                try await connection.boundedQuery("""
                    UPDATE \(unescaped: runs) SET upserts = \(recordedUpserts), deletes = \(recordedDeletes)
                    WHERE workflow_id = \(runID) AND organization_id = \(org) AND connected_integration_id = \(integration)
                    """, logger: logger)
                try await connection.boundedQuery("COMMIT", logger: logger)
                return SyncOutcome(upserts: upsertCount, deletes: deleteCount, alreadyApplied: false)
            } catch {
                // No ROLLBACK: the connection is closed instead (withConnection never reuses a
                // failed one), which ends the transaction; a query sent on a connection the
                // server has just dropped can wait forever.
                throw error
            }
        }
    }

    /// The tenant's users in the target.
    public func users(tenant: Tenant) async throws -> [SourceUser] {
        try await withConnection("read users") { connection in
            var result: [SourceUser] = []
            for try await (id, externalID, name, email) in try await connection.boundedQuery("""
                SELECT id, external_id, name, email FROM \(unescaped: users)
                WHERE organization_id = \(tenant.organizationID) AND connected_integration_id = \(tenant.connectedIntegrationID)
                ORDER BY id
                """, logger: logger).decode((String, String, String, String).self) {
                result.append(SourceUser(id: id, externalID: externalID, name: name, email: email))
            }
            return result
        }
    }

    /// Closes the connections kept between runs.
    public func close() async {
        await connections.closeAll()
    }

    private func withConnection<T: Sendable>(
        _ operation: String, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await connections.withConnection(body)
        } catch let error as DirectConnections.ConnectFailure {
            throw SyncTargetError(location: location, operation: operation, reason: error.description,
                                  isTransient: PostgresErrorText.isTransient(error.underlying))
        } catch let error as SyncTargetError {
            throw error
        } catch let error as StoreError {
            // Reading the run's changes from the data database failed.
            throw SyncTargetError(location: location, operation: operation, reason: error.description)
        } catch {
            throw SyncTargetError(location: location, operation: operation, reason: PostgresErrorText.describe(error),
                                  isTransient: PostgresErrorText.isTransient(error))
        }
    }
}

extension Array {
    /// The array cut into consecutive slices of at most `size` elements.
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
