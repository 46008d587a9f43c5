import DurableRuntime
import Foundation
import GRDB
import JournalPostgres
import JournalSQLite
import PostgresSupport
import PostgresNIO
import Testing

/// A fresh, migrated journal of one backend kind, private to one test.
struct TestJournal: Sendable {
    let kind: BackendKind
    let backend: any JournalBackend
    /// The SQLite file, for a SQLite journal.
    let sqlitePath: String?
    /// The Postgres schema, for a Postgres journal.
    let schema: String?

    /// Makes an unmigrated journal: SQLite in a new temporary directory, Postgres in a random schema.
    static func make(_ kind: BackendKind) throws -> TestJournal {
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("journal-tests-\(UUID().uuidString)")
            let path = directory.appendingPathComponent("nested/journal.sqlite").path
            return TestJournal(kind: kind, backend: try SQLiteJournal(path: path), sqlitePath: path, schema: nil)
        case .postgres:
            guard let url = TestEnvironment.postgresURL else { throw TestSetupError(description: TestEnvironment.missingPostgres) }
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let backend = try PostgresJournal(url: url, schema: schema, reconnectTimeout: .seconds(30))
            return TestJournal(kind: kind, backend: backend, sqlitePath: nil, schema: schema)
        }
    }

    /// A table name as raw test SQL must spell it.
    func table(_ name: String) -> String {
        if let schema { return "\"\(schema)\".\(name)" }
        return name
    }

    /// Runs constant test SQL directly on the database, beside the backend.
    func execute(_ sql: String) async throws {
        if let sqlitePath {
            let queue = try DatabaseQueue(path: sqlitePath)
            try await queue.write { try $0.execute(sql: sql) }
        } else {
            try await withDirectPostgres { _ = try await $0.query(PostgresQuery(unsafeSQL: sql), logger: testLogger) }
        }
    }

    /// Removes the journal's database.
    func cleanUp() async {
        if let sqlitePath {
            let directory = URL(fileURLWithPath: sqlitePath).deletingLastPathComponent().deletingLastPathComponent()
            try? FileManager.default.removeItem(at: directory)
        } else if let schema {
            let drop = PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE")
            _ = try? await withDirectPostgres { _ = try await $0.query(drop, logger: testLogger) }
        }
    }
}

let testLogger = Logger(label: "journal-tests")

/// Runs `body` with a fresh journal of `kind`, migrated and running, and removes it afterwards.
func withJournal(_ kind: BackendKind, _ body: (TestJournal) async throws -> Void) async throws {
    let journal = try TestJournal.make(kind)
    do {
        try await journal.backend.migrate()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await journal.backend.run() }
            try await body(journal)
            group.cancelAll()
        }
    } catch {
        await journal.cleanUp()
        throw error
    }
    await journal.cleanUp()
}

/// Runs `body` on a direct connection to the test Postgres (not through any journal).
func withDirectPostgres<T: Sendable>(
    password: String? = nil, _ body: (PostgresConnection) async throws -> T
) async throws -> T {
    guard let url = TestEnvironment.postgresURL, let components = URLComponents(string: url),
        let host = components.host, let user = components.user
    else { throw TestSetupError(description: TestEnvironment.missingPostgres) }
    let database = String(components.path.dropFirst())
    let configuration = PostgresConnection.Configuration(
        host: host, port: components.port ?? 5432, username: user, password: password ?? components.password,
        database: database.isEmpty ? nil : database, tls: .disable)
    return try await PostgresDirect.withConnection(configuration, database: "the test database", logger: testLogger, body)
}
