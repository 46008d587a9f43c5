import DurableTesting
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Synchronization

/// A source that serves crafted pages, snapshot by snapshot: what a real API does at its edges
/// (capped pages, duplicates across pages, 404s past the end, type drift).
final class ScriptedSource: UserSource {
    /// One page's answer.
    enum Page: Sendable {
        /// These records, and what the source says about more (nil: a bare array).
        case records([JSONValue], hasMore: Bool? = nil)
        /// A `404 Not Found`.
        case missing
        /// A failure of the request.
        case failure(String)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// snapshot → page → answer; pages without one are empty arrays.
    let script: [Int: [Int: Page]]
    /// Pages of this snapshot wait for the gate before answering.
    let gatedSnapshot: Int?
    let gate = Gate()
    let requests = Mutex<[Int]>([])

    init(_ script: [Int: [Int: Page]], gatedSnapshot: Int? = nil) {
        self.script = script
        self.gatedSnapshot = gatedSnapshot
    }

    func fetchPage(integration: ConnectedIntegration, snapshot: Int, page: Int, pageSize: Int) async throws -> SourcePage {
        requests.withLock { $0.append(page) }
        if snapshot == gatedSnapshot { try await gate.wait() }
        switch script[snapshot]?[page] ?? .records([]) {
        case let .records(records, hasMore): return SourcePage(records: records.map(RawSourceRecord.init(json:)), hasMore: hasMore)
        case .missing: return .missing("GET page \(page) failed with HTTP 404 Not Found")
        case .failure(let message): throw Failure(description: message)
        }
    }

    /// A user record `u-<n>` named `name`.
    static func user(_ number: Int, name: String? = nil, email: String? = nil) -> JSONValue {
        .object(["id": .string(String(format: "u-%05d", number)), "external_id": .string("ext-\(number)"),
                 "name": .string(name ?? "User \(number)"), "email": .string(email ?? "user\(number)@example.com")])
    }

    /// Users `range`, cut into pages of `pageSize` from page 0.
    static func pages(_ range: Range<Int>, pageSize: Int, name: (Int) -> String = { "User \($0)" }) -> [Int: Page] {
        var pages: [Int: Page] = [:]
        for (index, start) in stride(from: range.lowerBound, to: range.upperBound, by: pageSize).enumerated() {
            pages[index] = .records((start..<min(start + pageSize, range.upperBound)).map { user($0, name: name($0)) })
        }
        return pages
    }
}
