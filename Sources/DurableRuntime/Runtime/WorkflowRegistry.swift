import Synchronization

/// The workflows a runtime can execute, by registered name.
final class WorkflowRegistry: Sendable {
    /// A type-erased workflow: JSON in, JSON out.
    struct Entry: Sendable {
        var name: String
        var maxRecoveryAttempts: Int
        var run: @Sendable (WorkflowContext, String) async throws -> String
    }

    private let entries = Mutex<[String: Entry]>([:])

    func register<W: Workflow>(_ workflow: W) {
        let entry = Entry(name: W.name, maxRecoveryAttempts: W.maxRecoveryAttempts) { context, inputJSON in
            let input = try JournalJSON.decode(W.Input.self, from: inputJSON, workflowID: context.workflowID, what: "input")
            let output = try await workflow.run(context: context, input: input)
            return try JournalJSON.encode(output)
        }
        entries.withLock { $0[W.name] = entry }
    }

    func entry(named name: String) -> Entry? {
        entries.withLock { $0[name] }
    }

    var names: [String] {
        entries.withLock { Array($0.keys) }
    }
}
