import DurableTesting
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import GRDB
import JournalPostgres
import Testing

/// What every ``DataStore`` does, on both backends.
@Suite("Data stores")
struct DataStoreTests {
    let tenant = Tenant(organizationID: "org-001", connectedIntegrationID: "integration-1")

    func users(_ range: Range<Int>, suffix: String = "") -> [SourceUser] {
        range.map { SourceUser(id: "u\($0)", externalID: "ext-\($0)", name: "User \($0)\(suffix)", email: "u\($0)@example.com") }
    }

    @Test("staging a batch twice writes its rows once and returns the recorded outcome", arguments: JournalKind.available)
    func stageTwice(kind: JournalKind) async throws {
        let store = try await TestDataStores.make(kind)
        let first = try await store.stageBatch(runID: "run", tenant: tenant, batch: 0, users: users(0..<10), quarantined: [])
        let second = try await store.stageBatch(runID: "run", tenant: tenant, batch: 0, users: users(0..<10), quarantined: [])
        #expect(first == StagingOutcome(staged: 10, quarantined: 0))
        #expect(second == first)
        #expect(try await store.count(.staging) == 10)
        #expect(try await store.duplicateStagingRows() == 0)
    }

    @Test("a batch larger than one multi-row statement, over several pages, with quarantined records with and without a user id, stages exactly",
          arguments: JournalKind.available)
    func stageLargeBatch(kind: JournalKind) async throws {
        let store = try await TestDataStores.make(kind)
        let pages = (0..<3).map { StagedPage(page: 7 + $0, users: users($0 * 1_000..<($0 + 1) * 1_000)) }
        let rejected = [
            QuarantinedRecord(page: 7, position: 4, rawJSON: #"{"id":"u4","email":"x"}"#, reason: "email is not an address", userID: "u4"),
            QuarantinedRecord(page: 8, position: 0, rawJSON: "{}", reason: "id is missing"),
            // The same position twice: the second is skipped, as a replayed record would be.
            QuarantinedRecord(page: 8, position: 0, rawJSON: "{}", reason: "id is missing"),
        ]
        let outcome = try await store.stageBatch(runID: "run", tenant: tenant, batch: 2, pages: pages, quarantined: rejected)
        #expect(outcome == StagingOutcome(staged: 3_000, quarantined: 3))
        #expect(try await store.count(.staging) == 3_000)
        #expect(try await store.duplicateStagingRows() == 0)
        let quarantined = try await store.quarantined(tenant: tenant).sorted { ($0.page, $0.position) < ($1.page, $1.position) }
        #expect(quarantined.count == 2)
        #expect(quarantined.first?.userID == "u4" && quarantined.first?.reason == "email is not an address")
        #expect(quarantined.last?.userID == nil && quarantined.last?.rawJSON == "{}")
        // The replay finds the recorded outcome and writes nothing.
        #expect(try await store.stageBatch(runID: "run", tenant: tenant, batch: 2, pages: pages, quarantined: rejected) == outcome)
        #expect(try await store.count(.staging) == 3_000)
        // CDC reads every page of the batch.
        #expect(try await store.detectChanges(runID: "run", tenant: tenant, snapshotComplete: true).counts == [3_000, 0, 0])
    }

    @Test("a failed staging transaction leaves nothing behind, and the retry stages the batch", arguments: JournalKind.available)
    func failedStagingRollsBack(kind: JournalKind) async throws {
        let store = try await TestDataStores.make(kind)
        let bad = QuarantinedRecord(page: 0, position: 3, rawJSON: "{}", reason: "id is missing")
        await #expect(throws: StoreError.self) {
            try await store.stageBatch(runID: "run", tenant: tenant, batch: 0, users: users(0..<10), quarantined: [bad], simulateFailure: true)
        }
        #expect(try await store.count(.staging) == 0)
        #expect(try await store.count(.quarantine) == 0)
        let outcome = try await store.stageBatch(runID: "run", tenant: tenant, batch: 0, users: users(0..<10), quarantined: [bad])
        #expect(outcome == StagingOutcome(staged: 10, quarantined: 1))
        #expect(try await store.count(.staging) == 10)
        #expect(try await store.count(.quarantine) == 1)
    }

    @Test("CDC and apply run once per run: a second call returns the recorded outcome and writes nothing", arguments: JournalKind.available)
    func cdcAndApplyOnce(kind: JournalKind) async throws {
        let store = try await TestDataStores.make(kind)
        _ = try await store.stageBatch(runID: "run", tenant: tenant, batch: 0, users: users(0..<5), quarantined: [])
        let cdc = try await store.detectChanges(runID: "run", tenant: tenant, snapshotComplete: true)
        #expect(try await store.detectChanges(runID: "run", tenant: tenant, snapshotComplete: true) == cdc)
        #expect(cdc.counts == [5, 0, 0])
        let apply = try await store.applyChanges(runID: "run", tenant: tenant)
        #expect(apply == ApplyOutcome(applied: 5, latest: 5))
        #expect(try await store.applyChanges(runID: "run", tenant: tenant) == apply)
        #expect(try await store.count(.cdc) == 5)
        #expect(try await store.count(.latest) == 5)
    }

    @Test("CDC keeps a user's last occurrence in the snapshot (highest page, then position), whatever the insertion order", arguments: JournalKind.available)
    func deduplication(kind: JournalKind) async throws {
        let store = try await TestDataStores.make(kind)
        func user(_ name: String) -> SourceUser {
            SourceUser(id: "dup", externalID: "ext-dup", name: name, email: "x@example.com")
        }
        // Page 2 is staged before page 1, and within page 1 the older occurrence comes first.
        let filler = users(0..<3)
        _ = try await store.stageBatch(runID: "run", tenant: tenant, batch: 0, pages: [
            StagedPage(page: 2, users: [user("Newest")]),
            StagedPage(page: 1, users: filler + [user("Older"), user("Old")]),
        ], quarantined: [])
        let cdc = try await store.detectChanges(runID: "run", tenant: tenant, snapshotComplete: false)
        #expect(cdc.counts == [4, 0, 0])
        #expect(cdc.duplicates == 2)
        let changes = try await store.changes(runID: "run", tenant: tenant)
        #expect(changes.map(\.name) == ["Newest", "User 0", "User 1", "User 2"])
    }

    @Test("a complete snapshot turns absent users into deletes; apply removes them from latest", arguments: JournalKind.available)
    func deletes(kind: JournalKind) async throws {
        let store = try await TestDataStores.make(kind)
        _ = try await store.stageBatch(runID: "r1", tenant: tenant, batch: 0, users: users(0..<10), quarantined: [])
        _ = try await store.detectChanges(runID: "r1", tenant: tenant, snapshotComplete: true)
        _ = try await store.applyChanges(runID: "r1", tenant: tenant)
        // Run 2: users 0..<7 remain, user 1 renamed, users 10 and 11 are new.
        var next = users(0..<7) + users(10..<12)
        next[1].name = "Renamed"
        _ = try await store.stageBatch(runID: "r2", tenant: tenant, batch: 0, users: next, quarantined: [])
        let cdc = try await store.detectChanges(runID: "r2", tenant: tenant, snapshotComplete: true, maxDeleteFraction: 0.3)
        #expect(cdc.counts == [2, 1, 3])
        let apply = try await store.applyChanges(runID: "r2", tenant: tenant)
        #expect(apply == ApplyOutcome(applied: 6, latest: 9))
        #expect(try await store.latestUsers(tenant: tenant) == next.sorted { $0.id < $1.id })
        // Another tenant's latest rows are never touched.
        let other = Tenant(organizationID: "org-002", connectedIntegrationID: "integration-2")
        #expect(try await store.count(.latest, tenant: other) == 0)
    }

    @Test("seeding integrations twice keeps one row each, with their provider data", arguments: JournalKind.available)
    func seeding(kind: JournalKind) async throws {
        let store = try await TestDataStores.make(kind)
        #expect(try await store.seedIntegrations(ConnectedIntegration.seeded(count: 3)) == 3)
        #expect(try await store.seedIntegrations(ConnectedIntegration.seeded(count: 5)) == 2)
        let integrations = try await store.integrations()
        #expect(integrations == ConnectedIntegration.seeded(count: 5))
    }

    @Test("a run's changes are read in chunks by id, the same on both backends", arguments: JournalKind.available)
    func changeChunks(kind: JournalKind) async throws {
        let store = try await TestDataStores.make(kind)
        _ = try await store.stageBatch(runID: "run", tenant: tenant, batch: 0, users: users(0..<25), quarantined: [])
        _ = try await store.detectChanges(runID: "run", tenant: tenant, snapshotComplete: true)
        let reader = store.changeChunks(runID: "run", tenant: tenant, chunkSize: 10)
        var sizes: [Int] = []
        var ids: [String] = []
        while let chunk = try await reader.next() {
            sizes.append(chunk.count)
            ids += chunk.map(\.id)
        }
        #expect(sizes == [10, 10, 5])
        #expect(ids == users(0..<25).map(\.id).sorted(), "byte order, as SQLite compares")
        #expect(try await store.changes(runID: "run", tenant: tenant).map(\.id) == ids)
    }

    @Test("runs register in start order, and the outbox lists applied, unsynced runs", arguments: JournalKind.available)
    func runsAndOutbox(kind: JournalKind) async throws {
        let store = try await TestDataStores.make(kind)
        #expect(try await store.registerRun(runID: "r1", tenant: tenant) == 1)
        #expect(try await store.registerRun(runID: "r2", tenant: tenant) == 2)
        #expect(try await store.registerRun(runID: "r1", tenant: tenant) == 1, "registering again returns the same number")
        for run in ["r1", "r2"] {
            _ = try await store.stageBatch(runID: run, tenant: tenant, batch: 0, users: users(0..<3), quarantined: [])
            _ = try await store.detectChanges(runID: run, tenant: tenant, snapshotComplete: true, sequence: run == "r1" ? 1 : 2,
                                              maxDeleteFraction: 0.2)
            _ = try await store.applyChanges(runID: run, tenant: tenant, sequence: run == "r1" ? 1 : 2, maxDeleteFraction: 0.2)
        }
        #expect(try await store.unsyncedRuns(tenant: tenant) == ["r1", "r2"])
        #expect(try await store.runsToSync(runID: "r2", tenant: tenant, sequence: 2) == ["r1", "r2"])
        try await store.markSynced(runID: "r1", tenant: tenant)
        #expect(try await store.runsToSync(runID: "r2", tenant: tenant, sequence: 2) == ["r2"])
        // A run older than the last applied one is superseded: it applies nothing.
        #expect(try await store.registerRun(runID: "r0", tenant: tenant) == 3)
        let other = Tenant(organizationID: "org-002", connectedIntegrationID: "integration-2")
        #expect(try await store.registerRun(runID: "r1", tenant: other) == 1, "sequences are per tenant")
    }
}

/// Migrations that several processes run at once on one Postgres.
@Suite("Postgres migrations")
struct PostgresMigrationTests {
    @Test("a version 1 data schema gets its identity when it is opened, once",
          .enabled(if: TestEnvironment.postgresURL != nil || TestEnvironment.isCI, "needs ELT_TEST_POSTGRES_URL"))
    func identityMigration() async throws {
        let database = try await TestDatabase.create()
        await (try PostgresDataStore.open(url: database, schema: "old")).close()
        _ = try await TestDatabase.scalar(url: database, "DROP TABLE old.store_identity")
        _ = try await TestDatabase.scalar(url: database, "UPDATE old.data_migrations SET version = 1")
        let store = try await PostgresDataStore.open(url: database, schema: "old")
        let id = try await store.identity()
        #expect(UUID(uuidString: id) != nil, "\(id)")
        await store.close()
        let again = try await PostgresDataStore.open(url: database, schema: "old")
        #expect(try await again.identity() == id, "opened again, the identity is kept")
        await again.close()
        #expect(try await TestDatabase.scalar(url: database, "SELECT COUNT(*) FROM old.store_identity") == 1)
        #expect(try await TestDatabase.scalar(url: database, "SELECT MAX(version) FROM old.data_migrations") == 3)
    }

    @Test("a version 2 data schema gains the staging function when it is opened, and stages with it",
          .enabled(if: TestEnvironment.postgresURL != nil || TestEnvironment.isCI, "needs ELT_TEST_POSTGRES_URL"))
    func stagingFunctionMigration() async throws {
        let database = try await TestDatabase.create()
        await (try PostgresDataStore.open(url: database, schema: "old")).close()
        _ = try await TestDatabase.scalar(url: database, "DROP FUNCTION old.elt_stage_batch")
        _ = try await TestDatabase.scalar(url: database, "UPDATE old.data_migrations SET version = 2")
        let store = try await PostgresDataStore.open(url: database, schema: "old")
        let tenant = Tenant(organizationID: "org-001", connectedIntegrationID: "integration-1")
        let users = (0..<5).map { SourceUser(id: "u\($0)", externalID: "e\($0)", name: "N", email: "u\($0)@example.com") }
        #expect(try await store.stageBatch(runID: "run", tenant: tenant, batch: 0, users: users, quarantined: [])
            == StagingOutcome(staged: 5, quarantined: 0))
        await store.close()
        #expect(try await TestDatabase.scalar(url: database, "SELECT MAX(version) FROM old.data_migrations") == 3)
        #expect(try await TestDatabase.scalar(url: database, "SELECT COUNT(*) FROM old.users_staging") == 5)
    }

    @Test("journal, data store and sync target migrating together on an empty database create each table once, with no error",
          .enabled(if: TestEnvironment.postgresURL != nil || TestEnvironment.isCI, "needs ELT_TEST_POSTGRES_URL"))
    func concurrentMigrations() async throws {
        let database = try await TestDatabase.create()
        // Separate connections are separate sessions, as two processes' are; all share one
        // schema that does not exist yet, so even its creation is contended.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { await (try PostgresDataStore.open(url: database, schema: "shared")).close() }
                group.addTask { try await PostgresSyncTarget(url: database, schema: "shared").prepare() }
                group.addTask { try await PostgresJournal(url: database, schema: "shared").migrate() }
            }
            try await group.waitForAll()
        }
        let store = try await PostgresDataStore.open(url: database, schema: "shared")
        #expect(try await store.integrations().isEmpty)
        let versions = try await TestDatabase.scalar(url: database, "SELECT COUNT(*) FROM shared.data_migrations")
        #expect(versions == 1, "version 1 is recorded once")
        await store.close()
    }
}

/// What only the SQLite store does: its file, its migrations.
@Suite("StoreActor")
struct StoreActorTests {
    let tenant = Tenant(organizationID: "org-001", connectedIntegrationID: "integration-1")
    let path: String

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("elt-store-\(UUID().uuidString)")
        path = directory.appendingPathComponent("data.sqlite").path
        _ = try StoreActor(path: path)
    }

    func users(_ range: Range<Int>, suffix: String = "") -> [SourceUser] {
        range.map { SourceUser(id: "u\($0)", externalID: "ext-\($0)", name: "User \($0)\(suffix)", email: "u\($0)@example.com") }
    }

    @Test("a version 1 data database (user-id-first keys) is rebuilt with run-first keys, keeping every row")
    func migratesVersion1() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("elt-store-v1-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let oldPath = directory.appendingPathComponent("data.sqlite").path
        // The layout an earlier release wrote, without the migrator's bookkeeping.
        let old = try DatabaseQueue(path: oldPath)
        try await old.write { [tenant] db in
            try db.execute(sql: """
                CREATE TABLE users_staging (id TEXT NOT NULL, workflow_id TEXT NOT NULL, external_id TEXT NOT NULL,
                    organization_id TEXT NOT NULL, connected_integration_id TEXT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL,
                    created_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
                    PRIMARY KEY (id, organization_id, connected_integration_id, workflow_id, created_at));
                CREATE INDEX users_staging_run ON users_staging (workflow_id, organization_id, connected_integration_id);
                CREATE TABLE users_cdc (id TEXT NOT NULL, workflow_id TEXT NOT NULL, external_id TEXT NOT NULL,
                    organization_id TEXT NOT NULL, connected_integration_id TEXT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL,
                    change_type TEXT NOT NULL, detected_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
                    PRIMARY KEY (id, organization_id, connected_integration_id, workflow_id, detected_at));
                CREATE TABLE users_latest (id TEXT NOT NULL, external_id TEXT NOT NULL, organization_id TEXT NOT NULL,
                    connected_integration_id TEXT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL,
                    last_updated DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
                    PRIMARY KEY (id, organization_id, connected_integration_id));
                CREATE INDEX users_latest_tenant ON users_latest (organization_id, connected_integration_id);
                """)
            for user in 0..<3 {
                try db.execute(sql: """
                    INSERT INTO users_staging (id, workflow_id, external_id, organization_id, connected_integration_id, name, email)
                    VALUES (?, 'r1', ?, ?, ?, ?, ?)
                    """, arguments: ["u\(user)", "ext-\(user)", tenant.organizationID, tenant.connectedIntegrationID, "User \(user)", "u\(user)@example.com"])
                try db.execute(sql: """
                    INSERT INTO users_latest (id, external_id, organization_id, connected_integration_id, name, email)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: ["u\(user)", "ext-\(user)", tenant.organizationID, tenant.connectedIntegrationID, "User \(user)", "u\(user)@example.com"])
            }
        }
        try old.close()

        let migrated = try StoreActor(path: oldPath)
        #expect(try await migrated.count(.staging, tenant: tenant, runID: "r1") == 3)
        #expect(try await migrated.latestUsers(tenant: tenant) == users(0..<3))
        // The next run compares against the migrated latest rows: one rename, one new user, one gone.
        var next = users(0..<2) + users(5..<6)
        next[0].name = "Renamed"
        _ = try await migrated.stageBatch(runID: "r2", tenant: tenant, batch: 0, users: next, quarantined: [])
        #expect(try await migrated.detectChanges(runID: "r2", tenant: tenant, snapshotComplete: true, maxDeleteFraction: 1).counts
            == [1, 1, 1])

        let check = try DatabaseQueue(path: oldPath)
        let keys = try await check.read { db in
            try ["users_staging", "users_cdc", "users_latest"].map { try db.primaryKey($0).columns }
        }
        #expect(keys == [
            ["workflow_id", "organization_id", "connected_integration_id", "id", "page", "position"],
            ["workflow_id", "organization_id", "connected_integration_id", "id", "detected_at"],
            ["organization_id", "connected_integration_id", "id"],
        ])
        let secondIndexes = try await check.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'")
        }
        #expect(secondIndexes.isEmpty)
    }

    /// Runs `sql` on the data file through a connection of its own, as an older program would.
    /// The store the suite's init opened may still be closing (its last connection checkpoints
    /// the WAL under an exclusive lock): that is waited out as the store's own pools do.
    func rawWrite(_ sql: String) async throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let database = try DatabaseQueue(path: path, configuration: configuration)
        try await database.write { db in try db.execute(sql: sql) }
        try database.close()
    }

    @Test("a version 3 data database gets its identity when it is opened, once")
    func identityMigration() async throws {
        try await rawWrite("DROP TABLE store_identity; PRAGMA user_version = 3")
        let store = try StoreActor(path: path)
        let id = try await store.identity()
        #expect(UUID(uuidString: id) != nil, "\(id)")
        await store.close()
        let again = try StoreActor(path: path)
        #expect(try await again.identity() == id, "opened again, the identity is kept")
        await again.close()
    }

    @Test("a data database from a newer version is refused with a message that says so")
    func newerVersionRefused() async throws {
        try await rawWrite("PRAGMA user_version = 99")
        #expect {
            _ = try StoreActor(path: path)
        } throws: { error in
            String(describing: error).contains("version 99 is newer")
        }
    }

    @Test("an unwritable data path gives an error that names the path")
    func unwritablePath() throws {
        #expect {
            _ = try StoreActor(path: "/proc/no-such-dir/data.sqlite")
        } throws: { error in
            String(describing: error).contains("/proc/no-such-dir/data.sqlite")
        }
    }
}
