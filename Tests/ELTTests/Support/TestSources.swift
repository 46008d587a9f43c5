import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Synchronization

/// Every integration gets the same user ids (and external ids), with names that name the organization.
struct CollidingSource: UserSource {
    func fetchPage(integration: ConnectedIntegration, snapshot: Int, page: Int, pageSize: Int) async throws -> SourcePage {
        let total = 1_000
        let range = (page * pageSize)..<min(total, (page + 1) * pageSize)
        let records = range.map { number in
            RawSourceRecord(user: SourceUser(id: "user-\(number)", externalID: "ext-\(number)",
                                             name: "User \(number) of \(integration.organizationID)",
                                             email: "user\(number)@\(integration.organizationID).example.com"))
        }
        return SourcePage(records: records, hasMore: range.upperBound < total)
    }
}

/// The generator's pages with the last record replaced on pages 3 and 5 by a bad record, and on
/// page 7 by a repeat of the page's first user (pages never hold more than asked for).
struct FlawedSource: UserSource {
    let generator = GeneratorUserSource()

    func fetchPage(integration: ConnectedIntegration, snapshot: Int, page: Int, pageSize: Int) async throws -> SourcePage {
        var result = try await generator.fetchPage(integration: integration, snapshot: snapshot, page: page, pageSize: pageSize)
        switch page {
        case 3:
            result.records[result.records.count - 1] = (RawSourceRecord(json: .object(["id": .string("x1"), "external_id": .string("x1"), "name": .string("No Mail")])))
        case 5:
            result.records[result.records.count - 1] = (RawSourceRecord(json: .object([
                "id": .string("x2"), "external_id": .string("x2"), "name": .string("Bad Mail"), "email": .string("bad@"),
            ])))
        case 7:
            result.records[result.records.count - 1] = result.records[0]
        default:
            break
        }
        return result
    }
}

/// Answers every page with HTML, as a misconfigured endpoint would.
final class MalformedSource: UserSource {
    let calls = Atomic<Int>(0)

    func fetchPage(integration: ConnectedIntegration, snapshot: Int, page: Int, pageSize: Int) async throws -> SourcePage {
        calls.add(1, ordering: .relaxed)
        return SourcePage(records: try RecordValidator.decodePage(Data("<html>502 Bad Gateway</html>".utf8)), hasMore: false)
    }
}
