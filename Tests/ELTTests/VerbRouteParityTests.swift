import DurableTesting
import ELT
import Foundation
import Hummingbird
import Testing
@testable import ELTServer

/// Every `elt` verb has an admin API route and every route a verb: both call the same
/// ``DurableClient`` (or ``IntegrationRegistry``) method, so they cannot disagree.
@Suite("Verbs and routes")
struct VerbRouteParityTests {
    /// Each verb and the route that does the same. `run` executes the root workflow in the
    /// calling process; its route is `start`'s, whose workflow a server executes.
    static let pairs: [(verb: String, route: String)] = [
        ("run", "POST /api/workflows"), ("start", "POST /api/workflows"),
        ("list", "GET /api/workflows"), ("status", "GET /api/workflows/:id"), ("steps", "GET /api/workflows/:id/steps"),
        ("cancel", "POST /api/workflows/:id/cancel"), ("resume", "POST /api/workflows/:id/resume"),
        ("fork", "POST /api/workflows/:id/fork"), ("recover", "POST /api/recover"),
        ("queues", "GET /api/queues"), ("executors", "GET /api/executors"),
        ("integrations list", "GET /api/integrations"), ("integrations show", "GET /api/integrations/:id"),
        ("integrations add", "POST /api/integrations"), ("integrations set", "PATCH /api/integrations/:id"),
        ("integrations remove", "DELETE /api/integrations/:id"),
    ]

    /// The subcommand names listed by `elt <prefix> --help`.
    static func verbs(_ prefix: [String]) async throws -> [String] {
        let help = try await ELTProcess.run(prefix + ["--help"])
        #expect(help.status == 0, "\(help.stderr)")
        guard let start = help.stdout.range(of: "SUBCOMMANDS:") else { return [] }
        // The section ends at its first blank line ("See 'elt help <subcommand>'…" follows).
        let section = help.stdout[start.upperBound...].split(separator: "\n\n", maxSplits: 1).first ?? ""
        return section.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first else { return nil }
            return String(word)
        }.filter { $0 != "help" }
    }

    @Test("every elt verb has an admin API route and every admin API route an elt verb", arguments: [JournalKind.sqlite])
    func parity(kind: JournalKind) async throws {
        var verbs = try await Self.verbs([]).filter { $0 != "integrations" }
        verbs += try await Self.verbs(["integrations"]).map { "integrations \($0)" }
        #expect(Set(verbs) == Set(Self.pairs.map(\.verb)), "verbs: \(verbs.sorted())")

        var harness = try AdminAPIHarness(kind)
        let store = try await TestDataStores.make(kind)
        harness.dataStore = store
        let routes = try await harness.withAdminAPI { runtime, _ in
            ELTServer.adminRouter(runtime: runtime, journal: "test", adminToken: nil, store: store).routes
                .map { "\($0.method) \($0.path)" }
        }.filter { $0.contains(" /api/") }
        let normalised = Set(routes.map { $0.replacingOccurrences(of: "{id}", with: ":id") })
        #expect(normalised == Set(Self.pairs.map(\.route)), "routes: \(routes.sorted())")
    }
}
