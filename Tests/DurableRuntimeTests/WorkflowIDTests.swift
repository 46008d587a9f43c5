import DurableRuntime
import DurableTesting
import Testing

@Suite("Workflow ids")
struct WorkflowIDTests {
    static let refused: [(String, String)] = [
        ("", "must not be empty"),
        (String(repeating: "x", count: 256), "at most 255 bytes of UTF-8; this one has 256"),
        (String(repeating: "é", count: 128), "at most 255 bytes of UTF-8; this one has 256"),
        (String(repeating: "y", count: 100_000), "this one has 100000"),
        ("line\nbreak", "character 5 is U+000A"),
        ("nul\u{0}", "character 4 is U+0000"),
    ]

    @Test("a chosen id that breaks the rule is refused by start, enqueue and fork, naming the rule, and nothing is written",
          arguments: JournalKind.available)
    func refusedIDs(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        try await withRunning(try harness.runtime()) { runtime in
            #expect(try await runtime.run(SequentialSteps.self, id: "orig", input: 2) == 3)
            let before = try await runtime.listWorkflows().count
            for (id, rule) in Self.refused {
                let errors: [any Error] = [
                    await Self.error { try await runtime.start(SequentialSteps.self, id: id, input: 1) },
                    await Self.error { try await runtime.enqueue(SequentialSteps.self, queue: "nobody_works_this", id: id, input: 1) },
                    await Self.error { try await runtime.fork(id: "orig", fromStep: 2, newID: id) },
                ].compactMap { $0 }
                #expect(errors.count == 3, "every entry point must refuse \(id.prefix(20))")
                for error in errors {
                    guard case WorkflowError.invalidWorkflowID(_, let said) = error else {
                        Issue.record("expected invalidWorkflowID, got \(error)")
                        continue
                    }
                    #expect(said.contains(rule), "\(said)")
                    #expect("\(error)".count < 300, "the message must not echo a huge id")
                }
            }
            #expect(try await runtime.listWorkflows().count == before, "a refused id writes nothing")
        }
    }

    @Test("ids with reserved URL characters, spaces and non-ASCII up to 255 bytes are accepted", arguments: JournalKind.available)
    func acceptedIDs(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        try await withRunning(try harness.runtime()) { runtime in
            for id in ["a/b?c#d%e f", "ünïcödé-ワークフロー", String(repeating: "é", count: 127) + "x"] {
                let output = try await runtime.run(SequentialSteps.self, id: id, input: 2)
                #expect(output == 3)
                let status = try await runtime.workflow(id: id)?.status
                #expect(status == .success)
            }
        }
    }

    static func error(_ body: () async throws -> Any) async -> (any Error)? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error
        }
    }
}
