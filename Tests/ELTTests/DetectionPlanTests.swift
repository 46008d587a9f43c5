import DurableTesting
import ELT
@testable import ELTPostgres
@testable import ELTSQLite
import Foundation
import GRDB
import PostgresNIO
import Testing

/// Change detection on a tenant loaded before: right on both stores, and linear in the tenant's
/// size whatever the planner's statistics (a fresh table's say "one row").
@Suite("Change detection on a loaded tenant")
struct DetectionPlanTests {
    static let users = 2_000
    static let quarantinedUsers = 200
    let tenant = Tenant(organizationID: "org-001", connectedIntegrationID: "integration-1")

    /// Run `first`: every user; run `second`: every user renamed, the first
    /// ``quarantinedUsers`` rejected with their id instead of staged.
    func loadTwice(_ store: any DataStore) async throws {
        let all = (0..<Self.users).map { SourceUser(id: "u\($0)", externalID: "e\($0)", name: "N\($0)", email: "u\($0)@example.com") }
        let pages = stride(from: 0, to: Self.users, by: 500).map { StagedPage(page: $0 / 500, users: Array(all[$0..<$0 + 500])) }
        _ = try await store.stageBatch(runID: "first", tenant: tenant, batch: 0, pages: pages, quarantined: [])
        #expect(try await store.detectChanges(runID: "first", tenant: tenant, snapshotComplete: true).counts == [Self.users, 0, 0])
        #expect(try await store.applyChanges(runID: "first", tenant: tenant).latest == Self.users)
        let renamed = all.dropFirst(Self.quarantinedUsers).map { SourceUser(id: $0.id, externalID: $0.externalID, name: $0.name + "!", email: $0.email) }
        let rejected = (0..<Self.quarantinedUsers).map {
            QuarantinedRecord(page: 0, position: $0, rawJSON: #"{"id":"u\#($0)"}"#, reason: "email is missing", userID: "u\($0)")
        }
        _ = try await store.stageBatch(runID: "second", tenant: tenant, batch: 0, users: renamed, quarantined: rejected)
    }

    @Test("a second run of a loaded tenant detects every renamed user as an update, and no quarantined user as a delete",
          arguments: JournalKind.available)
    func secondRun(kind: JournalKind) async throws {
        let store = try await TestDataStores.make(kind)
        try await loadTwice(store)
        let cdc = try await store.detectChanges(runID: "second", tenant: tenant, snapshotComplete: true)
        #expect(cdc.counts == [0, Self.users - Self.quarantinedUsers, 0], "inserts, updates, deletes")
        #expect(try await store.applyChanges(runID: "second", tenant: tenant).latest == Self.users)
        await store.close()
    }

    @Test("on Postgres, detection's statements read a bounded number of rows per user on fresh statistics",
          .enabled(if: TestEnvironment.postgresURL != nil || TestEnvironment.isCI, "needs ELT_TEST_POSTGRES_URL"))
    func postgresPlans() async throws {
        let database = try await TestDatabase.create()
        let store = try await PostgresDataStore.open(url: database, schema: "plans")
        try await loadTwice(store)
        for (name, statement) in [("detect", store.detectStatement(runID: "second", tenant: tenant)),
                                  ("absent", store.absentStatement(runID: "second", tenant: tenant))] {
            let plan = try await TestDatabase.withConnection(url: database) { connection, logger in
                _ = try await connection.query("BEGIN", logger: logger)
                var lines: [String] = []
                let explain = PostgresQuery(unsafeSQL: "EXPLAIN (ANALYZE, FORMAT TEXT) " + statement.sql, binds: statement.binds)
                for try await line in try await connection.query(explain, logger: logger).decode(String.self) { lines.append(line) }
                _ = try await connection.query("ROLLBACK", logger: logger)
                return lines
            }
            // Rows every node produced (rows × loops) and discarded by a filter: a nested loop
            // that scans the tenant once per user reads users² (4 M) rows.
            let read = Self.rowsRead(plan)
            #expect(read <= 20 * Self.users, "\(name) read \(read) rows for \(Self.users) users:\n\(plan.joined(separator: "\n"))")
        }
        await store.close()
    }

    @Test("on SQLite, the quarantined ids of a run are read once, not once per latest user")
    func sqlitePlan() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("elt-plan-\(UUID().uuidString)")
        let path = directory.appendingPathComponent("data.sqlite").path
        let store = try StoreActor(path: path)
        // A second connection to the store's file, read-only, that waits for the store's own
        // connections (CI saw "database is locked" without a busy timeout).
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        let plan = try await queue.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT COUNT(*) " + StoreActor.absentUsersSQL,
                             arguments: ["run": "r", "org": "o", "integration": "i"]).map { $0["detail"] as String }
        }
        await store.close()
        let quarantine = plan.firstIndex { $0.contains(" q ") || $0.hasSuffix(" q") }
        #expect(quarantine != nil, "\(plan)")
        if let quarantine {
            #expect(plan[..<quarantine].last?.hasPrefix("LIST SUBQUERY") == true, "\(plan)")
        }
    }

    /// The sum over `plan`'s nodes of rows × loops, plus the rows filters removed × loops.
    static func rowsRead(_ plan: [String]) -> Int {
        var total = 0
        var loops = 1
        for line in plan {
            if let match = line.firstMatch(of: /actual time=[0-9.]+\.\.[0-9.]+ rows=(\d+) loops=(\d+)/) {
                loops = Int(match.output.2) ?? 1
                total += (Int(match.output.1) ?? 0) * loops
            } else if let match = line.firstMatch(of: /Rows Removed by (?:Join )?Filter: (\d+)/) {
                total += (Int(match.output.1) ?? 0) * loops
            }
        }
        return total
    }
}
