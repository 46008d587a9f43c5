import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Testing

@Suite("User generator")
struct UserGeneratorTests {
    static let integration = ConnectedIntegration.seeded(count: 1)[0]
    static let churn = ChurnModel(insertRate: 0.05, updateRate: 0.1, deleteRate: 0.1)

    static func generator(_ churn: ChurnModel = .none) -> UserGenerator {
        UserGenerator(integrationID: integration.id, organizationID: integration.organizationID, churn: churn)
    }

    /// Every user of a snapshot, read page by page until an empty page.
    static func wholeSnapshot(_ generator: UserGenerator, _ snapshot: Int, pageSize: Int = 10) -> [SourceUser] {
        var users: [SourceUser] = []
        for page in 0... {
            let next = generator.page(snapshot: snapshot, page: page, pageSize: pageSize)
            if next.isEmpty { break }
            users += next
        }
        return users
    }

    @Test("the same inputs give the same pages")
    func deterministic() {
        for snapshot in 0..<3 {
            for page in [0, 7, 99] {
                #expect(Self.generator(Self.churn).page(snapshot: snapshot, page: page, pageSize: 10)
                        == Self.generator(Self.churn).page(snapshot: snapshot, page: page, pageSize: 10))
            }
        }
        let other = ConnectedIntegration.seeded(count: 2)[1]
        let otherGenerator = UserGenerator(integrationID: other.id, organizationID: other.organizationID)
        #expect(otherGenerator.page(snapshot: 0, page: 0, pageSize: 10) != Self.generator().page(snapshot: 0, page: 0, pageSize: 10))
    }

    @Test("100 pages of 10 form the base snapshot of 1,000 distinct users, then an empty page")
    func pagesFormTheSnapshot() throws {
        let generator = Self.generator()
        let pages = (0..<100).map { generator.page(snapshot: 0, page: $0, pageSize: 10) }
        #expect(pages.allSatisfy { $0.count == 10 })
        #expect(generator.page(snapshot: 0, page: 100, pageSize: 10).isEmpty)
        let users = pages.flatMap { $0 }
        #expect(Set(users.map(\.id)).count == 1_000)
        #expect(Set(users.map(\.externalID)).count == 1_000)
        #expect(Set(users.map(\.email)).count == 1_000)
        #expect(users.first?.externalID == "ext-000001")
        #expect(users.last?.externalID == "ext-001000")
        #expect(users == Self.wholeSnapshot(generator, 0, pageSize: 37), "the page size does not change the order")
        #expect(generator.totalUsers(snapshot: 0, baseCount: 1_000) == 1_000)
        #expect(users.allSatisfy { $0.email.hasSuffix("@org-001.example.com") })
        let validated = RecordValidator().validate(try RecordValidator.decodePage(JSONEncoder().encode(users)))
        #expect(validated.rejected.isEmpty, "generated users pass validation: \(validated.rejected.prefix(3))")
        #expect(validated.valid == users)
    }

    @Test("a user's id is the UUIDv5 of the integration id and its external id")
    func idsAreUUIDv5() throws {
        let user = try #require(Self.generator().page(snapshot: 0, page: 4, pageSize: 10).first)
        let namespace = try #require(UUID(uuidString: Self.integration.id))
        #expect(user.externalID == "ext-000041")
        #expect(user.id == UUID.v5(namespace: namespace, name: user.externalID).uuidString.lowercased())
    }

    @Test("without churn every snapshot equals snapshot 0")
    func noChurn() {
        let generator = Self.generator()
        #expect(generator.page(snapshot: 5, page: 3, pageSize: 10) == generator.page(snapshot: 0, page: 3, pageSize: 10))
        #expect(generator.totalUsers(snapshot: 5, baseCount: 1_000) == 1_000)
        #expect(generator.expectedChanges(from: 0, to: 5, baseCount: 1_000) == (0, 0, 0))
    }

    @Test("with churn, pages form each snapshot without duplicates and survivors keep their ids")
    func churnedSnapshots() {
        let generator = Self.generator(Self.churn)
        var previous = Self.wholeSnapshot(generator, 0)
        for snapshot in 1...4 {
            let users = Self.wholeSnapshot(generator, snapshot)
            #expect(users.count == generator.totalUsers(snapshot: snapshot, baseCount: 1_000))
            #expect(Set(users.map(\.id)).count == users.count)
            let byExternalID = Dictionary(uniqueKeysWithValues: previous.map { ($0.externalID, $0) })
            for user in users {
                if let before = byExternalID[user.externalID] { #expect(before.id == user.id) }
            }
            previous = users
        }
    }

    @Test("churn rates are honoured within ±30% on 1,000 users", arguments: 1...3)
    func ratesHonoured(snapshot: Int) {
        let generator = Self.generator(Self.churn)
        let alive = Double(generator.totalUsers(snapshot: snapshot - 1, baseCount: 1_000))
        let changes = generator.expectedChanges(from: snapshot - 1, to: snapshot, baseCount: 1_000)
        #expect(changes.inserts == 50, "inserts are exact: insertRate × base")
        let expectedDeletes = Self.churn.deleteRate * alive
        let expectedUpdates = Self.churn.updateRate * (alive - Double(changes.deletes))
        #expect(abs(Double(changes.deletes) - expectedDeletes) <= 0.3 * expectedDeletes, "deletes \(changes.deletes), expected about \(expectedDeletes)")
        #expect(abs(Double(changes.updates) - expectedUpdates) <= 0.3 * expectedUpdates, "updates \(changes.updates), expected about \(expectedUpdates)")
    }

    @Test("expectedChanges agrees exactly with a diff of the two snapshots read page by page",
          arguments: [(0, 1), (1, 2), (0, 3), (2, 5)])
    func expectedChangesMatchesDiff(from: Int, to: Int) {
        let generator = Self.generator(Self.churn)
        let before = Dictionary(uniqueKeysWithValues: Self.wholeSnapshot(generator, from).map { ($0.id, $0) })
        let after = Dictionary(uniqueKeysWithValues: Self.wholeSnapshot(generator, to).map { ($0.id, $0) })
        let inserts = after.keys.filter { before[$0] == nil }.count
        let deletes = before.keys.filter { after[$0] == nil }.count
        let updates = after.filter { id, user in before[id].map { $0 != user } ?? false }.count
        let expected = generator.expectedChanges(from: from, to: to, baseCount: 1_000)
        #expect(expected == (inserts, updates, deletes))
        #expect(inserts > 0 && updates > 0 && deletes > 0)
    }

    @Test("new users get external ids after the highest so far")
    func insertedIDsFollowTheHighest() throws {
        let generator = Self.generator(ChurnModel(insertRate: 0.01))
        let snapshot1 = Self.wholeSnapshot(generator, 1)
        #expect(snapshot1.count == 1_010)
        #expect(snapshot1.suffix(10).map(\.externalID) == (1_001...1_010).map { "ext-00\($0)" })
    }

    @Test("a churn model is written with snake_case keys; the camelCase ones older journals recorded still read; a rate outside 0…1 is refused")
    func churnJSON() throws {
        let churn = ChurnModel(insertRate: 0.05, updateRate: 0.1, deleteRate: 0.02)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(String(decoding: try encoder.encode(churn), as: UTF8.self) == #"{"delete_rate":0.02,"insert_rate":0.05,"update_rate":0.1}"#)
        let old = #"{"deleteRate":0.02,"insertRate":0.05,"updateRate":0.1}"#
        #expect(try JSONDecoder().decode(ChurnModel.self, from: Data(old.utf8)) == churn)
        #expect(try JSONDecoder().decode(ChurnModel.self, from: Data(#"{"update_rate":0.5}"#.utf8)) == ChurnModel(updateRate: 0.5))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ChurnModel.self, from: Data(#"{"delete_rate":2}"#.utf8)) }
    }
}
