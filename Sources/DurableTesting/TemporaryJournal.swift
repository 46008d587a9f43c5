import DurableRuntime
import Foundation
import JournalPostgres
import JournalSQLite

/// The journal backends a test can run against.
public enum JournalKind: String, Sendable, CaseIterable, CustomStringConvertible {
    /// A SQLite file in a temporary directory.
    case sqlite
    /// A fresh schema on the Postgres at `ELT_TEST_POSTGRES_URL`.
    case postgres

    /// The backend name.
    public var description: String { rawValue }

    /// The kinds to parameterise tests over: both when a test Postgres is configured or when
    /// running in CI (where a missing Postgres must fail, not skip); SQLite alone otherwise.
    public static var available: [JournalKind] {
        if TestEnvironment.postgresURL != nil || TestEnvironment.isCI { return [.sqlite, .postgres] }
        FileHandle.standardError.write(Data(
            "note: ELT_TEST_POSTGRES_URL is not set; Postgres cases are skipped (scripts/test.sh starts one)\n".utf8))
        return [.sqlite]
    }
}

/// Facts about the environment the tests run in.
public enum TestEnvironment {
    /// The test Postgres URL, from `ELT_TEST_POSTGRES_URL`.
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["ELT_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether this is a CI run (`CI=true`).
    public static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true"
    }
}

/// Why a test journal could not be made.
public struct TestEnvironmentError: Error, CustomStringConvertible {
    /// What is missing and how to provide it.
    public let description: String
}

/// Where a throw-away journal lives; open it as often as needed (a second runtime after a
/// simulated crash opens the same location).
public struct TemporaryJournal: Sendable {
    /// The backend kind.
    public let kind: JournalKind
    /// The SQLite file path, or the Postgres schema name.
    public let location: String

    /// A fresh, empty journal location of `kind`.
    public init(_ kind: JournalKind) throws {
        self.kind = kind
        let token = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("durable-test-\(token)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            location = directory.appendingPathComponent("journal.sqlite").path
        case .postgres:
            guard TestEnvironment.postgresURL != nil else {
                throw TestEnvironmentError(description:
                    "Postgres tests need ELT_TEST_POSTGRES_URL (CI=\(TestEnvironment.isCI)); run scripts/test.sh, which starts a private PostgreSQL")
            }
            location = "t_\(token)"
        }
    }

    /// Opens a new backend on this location.
    public func open() throws -> any JournalBackend {
        switch kind {
        case .sqlite:
            return try SQLiteJournal(path: location)
        case .postgres:
            guard let url = TestEnvironment.postgresURL else {
                throw TestEnvironmentError(description: "ELT_TEST_POSTGRES_URL is not set")
            }
            // A bound for a failure, generous for a loaded CI machine (a pool lease can wait
            // seconds there); no test waits on it to pass.
            return try PostgresJournal(url: url, schema: location, reconnectTimeout: .seconds(60))
        }
    }
}
