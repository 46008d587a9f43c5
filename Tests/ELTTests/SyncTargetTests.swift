import DurableTesting
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Testing

@Suite("Sync targets")
struct SyncTargetTests {
    enum TargetKind: String, CaseIterable, CustomStringConvertible {
        case sqlite, postgres
        var description: String { rawValue }

        static var available: [TargetKind] {
            JournalKind.available.map { $0 == .sqlite ? .sqlite : .postgres }
        }

        func make() throws -> any SyncTarget {
            let token = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
            switch self {
            case .sqlite:
                return try SQLiteSyncTarget(path: FileManager.default.temporaryDirectory.appendingPathComponent("sync-\(token)/main.sqlite").path)
            case .postgres:
                let url = try #require(TestEnvironment.postgresURL, "Postgres tests need ELT_TEST_POSTGRES_URL")
                return try PostgresSyncTarget(url: url, schema: "s_\(token)")
            }
        }
    }

    let tenant = Tenant(organizationID: "org-001", connectedIntegrationID: "i-1")

    func change(_ n: Int, _ type: ChangeType, name: String? = nil) -> UserChange {
        UserChange(id: "u\(n)", externalID: "ext-\(n)", name: name ?? "User \(n)", email: "u\(n)@example.com", changeType: type)
    }

    @Test("a target's identity is created once with its tables and kept; two targets have two", arguments: TargetKind.available)
    func identity(kind: TargetKind) async throws {
        let target = try kind.make()
        try await target.prepare()
        let id = try await target.identity()
        #expect(UUID(uuidString: id) != nil, "\(id)")
        try await target.prepare()
        #expect(try await target.identity() == id, "preparing again keeps it")
        let other = try kind.make()
        try await other.prepare()
        #expect(try await other.identity() != id)
        await target.close()
        await other.close()
    }

    @Test("a run is applied once: the second apply changes nothing and reports the recorded counts", arguments: TargetKind.available)
    func appliedOnce(kind: TargetKind) async throws {
        let target = try kind.make()
        try await target.prepare()
        let changes = (0..<2_500).map { change($0, .insert) }
        let first = try await target.apply(runID: "r1", tenant: tenant, changes: changes)
        #expect(first == SyncOutcome(upserts: 2_500, deletes: 0, alreadyApplied: false))
        let second = try await target.apply(runID: "r1", tenant: tenant, changes: changes)
        #expect(second == SyncOutcome(upserts: 2_500, deletes: 0, alreadyApplied: true))
        #expect(try await target.users(tenant: tenant).count == 2_500)
    }

    @Test("updates overwrite, deletes remove, and other tenants are untouched", arguments: TargetKind.available)
    func upsertsAndDeletes(kind: TargetKind) async throws {
        let target = try kind.make()
        try await target.prepare()
        let other = Tenant(organizationID: "org-002", connectedIntegrationID: "i-2")
        _ = try await target.apply(runID: "r1", tenant: tenant, changes: (0..<5).map { change($0, .insert) })
        _ = try await target.apply(runID: "r1", tenant: other, changes: (0..<5).map { change($0, .insert) })
        let outcome = try await target.apply(runID: "r2", tenant: tenant,
                                             changes: [change(1, .update, name: "Renamed"), change(2, .delete), change(7, .insert)])
        #expect(outcome == SyncOutcome(upserts: 2, deletes: 1, alreadyApplied: false))
        let users = try await target.users(tenant: tenant)
        #expect(users.map(\.id) == ["u0", "u1", "u3", "u4", "u7"])
        #expect(users.first { $0.id == "u1" }?.name == "Renamed")
        #expect(try await target.users(tenant: other).count == 5)
    }

    @Test("hundreds of interleaved inserts, updates and deletes leave the target as applying them one by one would", arguments: TargetKind.available)
    func manyMixedChanges(kind: TargetKind) async throws {
        let target = try kind.make()
        try await target.prepare()
        _ = try await target.apply(runID: "r1", tenant: tenant, changes: (0..<300).map { change($0, .insert) })
        var expected = Dictionary(uniqueKeysWithValues: (0..<300).map { ("u\($0)", "User \($0)") })
        var changes: [UserChange] = []
        for n in 0..<450 {
            switch n % 3 {
            case 0 where n < 300:
                changes.append(change(n, .delete))
                expected["u\(n)"] = nil
            case 1 where n < 300:
                changes.append(change(n, .update, name: "Renamed \(n)"))
                expected["u\(n)"] = "Renamed \(n)"
            default:
                if n >= 300 {
                    changes.append(change(n, .insert))
                    expected["u\(n)"] = "User \(n)"
                }
            }
        }
        let outcome = try await target.apply(runID: "r2", tenant: tenant, changes: changes)
        #expect(outcome == SyncOutcome(upserts: 100 + 150, deletes: 100, alreadyApplied: false))
        let users = try await target.users(tenant: tenant)
        #expect(Dictionary(uniqueKeysWithValues: users.map { ($0.id, $0.name) }) == expected)
        #expect(users.allSatisfy { $0.email == "\($0.id)@example.com" && $0.externalID == "ext-\($0.id.dropFirst())" })
    }

    @Test("an unreachable Postgres target fails with an error naming it, without the password")
    func unreachablePostgres() async throws {
        let target = try PostgresSyncTarget(url: "postgres://elt:secret@127.0.0.1:1/main")
        await #expect {
            try await target.prepare()
        } throws: { error in
            let text = String(describing: error)
            return text.contains("127.0.0.1:1") && !text.contains("secret")
        }
    }

    @Test("a schema that is not a plain identifier is refused")
    func badSchema() {
        #expect(throws: SyncTargetError.self) {
            _ = try PostgresSyncTarget(url: "postgres://elt@127.0.0.1/main", schema: "x; DROP TABLE users")
        }
    }
}
