import DurableTesting
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Testing

/// Data stores for tests, one per backend kind: a SQLite file in a new directory for
/// `.sqlite`, a new schema on the test Postgres for `.postgres`.
enum TestDataStores {
    /// A fresh, migrated data store of `kind`.
    static func make(_ kind: JournalKind) async throws -> any DataStore {
        let token = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("elt-store-\(token)")
            return try StoreActor(path: directory.appendingPathComponent("data.sqlite").path)
        case .postgres:
            let url = try #require(TestEnvironment.postgresURL, "Postgres tests need ELT_TEST_POSTGRES_URL (scripts/test.sh starts one)")
            return try await PostgresDataStore.open(url: url, schema: "d_\(token)")
        }
    }
}
