import DurableTesting
@testable import ELTPostgres
import Logging
import PostgresNIO
import Testing

/// The session settings the data store's and the sync target's connections start with.
@Suite("Postgres data and sync sessions")
struct PostgresSessionTests {
    @Test("the data store's and the sync target's sessions are named and end a transaction left waiting for 60 s",
          .enabled(if: TestEnvironment.postgresURL != nil || TestEnvironment.isCI, "needs ELT_TEST_POSTGRES_URL"))
    func sessionParameters() async throws {
        let database = try await TestDatabase.create()
        let store = try await PostgresDataStore.open(url: database, schema: "d")
        let target = try PostgresSyncTarget(url: database, schema: "s")
        try await target.prepare()
        let show = "SELECT current_setting('application_name'), current_setting('idle_in_transaction_session_timeout')"
        let storeSession = try await store.connections.withConnection { connection in
            try await Self.settings(connection.query(PostgresQuery(unsafeSQL: show), logger: Logger(label: "test")))
        }
        let targetSession = try await target.connections.withConnection { connection in
            try await Self.settings(connection.query(PostgresQuery(unsafeSQL: show), logger: Logger(label: "test")))
        }
        #expect(storeSession == ["elt-data", "1min"])
        #expect(targetSession == ["elt-sync", "1min"])
        await store.close()
        await target.close()
    }

    private static func settings(_ rows: PostgresRowSequence) async throws -> [String] {
        for try await (name, timeout) in rows.decode((String, String).self) { return [name, timeout] }
        return []
    }
}
