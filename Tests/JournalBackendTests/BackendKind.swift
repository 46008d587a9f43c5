import Foundation
import Testing

/// The journal backends every test of ``JournalBackendTests`` runs against.
enum BackendKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    /// Both backends when a test Postgres is configured (or in CI, where its absence then fails
    /// the Postgres cases); only SQLite otherwise, and the `postgresIsConfigured` test shows as
    /// skipped with the reason.
    static var allCases: [BackendKind] {
        TestEnvironment.postgresURL != nil || TestEnvironment.isCI ? [.sqlite, .postgres] : [.sqlite]
    }

    var testDescription: String { rawValue }
}

/// What the environment says about the test databases.
enum TestEnvironment {
    /// `ELT_TEST_POSTGRES_URL`, as printed by `scripts/start-postgres.sh`.
    static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment["ELT_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }

    /// Whether this is a CI run (`CI=true`), where every backend must be tested.
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether the Postgres-only tests can run.
    static var hasPostgres: Bool { postgresURL != nil }

    /// Whether the Postgres-only tests must run (and fail when they cannot).
    static var wantsPostgres: Bool { postgresURL != nil || isCI }

    static let missingPostgres =
        "ELT_TEST_POSTGRES_URL is unset but CI=true: the Postgres backend must be tested in CI. "
        + "Run scripts/test.sh, or eval \"$(scripts/start-postgres.sh)\" first."
}

/// A failure to set up a test journal.
struct TestSetupError: Error, CustomStringConvertible {
    var description: String
}
