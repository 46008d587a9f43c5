import DurableTesting
import GRDB
import JournalPostgres
import PostgresSupport
import Logging
import PostgresNIO
import Testing
@testable import ELT
import ELTApp
import ELTPostgres
@testable import ELTSQLite

/// Errors shown to users name the database's code and message, never the statement or the
/// values bound to it (user data).
@Suite("Database error text")
struct ErrorTextTests {
    static let secret = "ann.secret@example.com"

    @Test("a SQLite error is described by its code and message, without the SQL or its values")
    func sqlite() throws {
        let database = try DatabaseQueue()
        try database.write { try $0.execute(sql: "CREATE TABLE t (email TEXT PRIMARY KEY)") }
        let error = try #require(throws: DatabaseError.self) {
            try database.write { db in
                for _ in 0..<2 { try db.execute(sql: "INSERT INTO t (email) VALUES (?)", arguments: [Self.secret]) }
            }
        }
        let text = DatabaseErrorText.describe(error)
        #expect(text.hasPrefix("SQLite error 19: UNIQUE constraint failed"), "\(text)")
        #expect(!text.contains("INSERT") && !text.contains(Self.secret), "\(text)")
    }

    @Test("a Postgres error is described by its SQLSTATE and message, without the SQL, its values or the detail")
    func postgres() async throws {
        let url = try #require(TestEnvironment.postgresURL, "needs ELT_TEST_POSTGRES_URL (scripts/test.sh starts one)")
        let logger = Logger(label: "test")
        let connection = try await PostgresConnection.connect(
            configuration: try PostgresJournal.connectionConfiguration(url: url), id: 1, logger: logger)
        defer { DirectConnections.close(connection) }
        try await connection.query("CREATE TEMPORARY TABLE t (email TEXT PRIMARY KEY)", logger: logger)
        var caught: (any Error)?
        do {
            for _ in 0..<2 { try await connection.query("INSERT INTO t (email) VALUES (\(Self.secret))", logger: logger) }
        } catch {
            caught = error
        }
        let error = try #require(caught)
        let text = PostgresErrorText.describe(error)
        #expect(text.hasPrefix("SQLSTATE 23505: duplicate key value violates unique constraint"), "\(text)")
        #expect(!text.contains("INSERT") && !text.contains(Self.secret), "\(text)")
        #expect(!PostgresErrorText.isTransient(error), "a constraint violation is not worth waiting for")
    }
}
