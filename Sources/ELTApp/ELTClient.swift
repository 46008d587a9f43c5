import ELT
import DurableRuntime
import Foundation

/// What the `elt` client verbs do, through the journal (the system database), as DBOS's client
/// does: it enqueues and a server executes, so it works while no server runs.
public struct ELTClient: Sendable {
    /// Where the journal is.
    public let configuration: ELTConfiguration

    /// A client of the journal of `configuration`.
    public init(configuration: ELTConfiguration) {
        self.configuration = configuration
    }

    /// Runs `body` with a client-role runtime (no workers, no recovery) on the journal.
    public func withRuntime<T: Sendable>(_ body: @Sendable (WorkflowRuntime) async throws -> T) async throws -> T {
        let runtime = WorkflowRuntime(backend: try configuration.makeJournal(), configuration: configuration.runtimeConfiguration(role: .client))
        return try await runtime.withRunning(body)
    }

    /// Enqueues workflow `name` with `key=value` arguments on `elt_run_queue` (checked against
    /// ``WorkflowCatalog`` first) and returns its row.
    public func start(name: String, arguments: [String], id: String? = nil) async throws -> WorkflowRecord {
        let inputJSON = try WorkflowCatalog.inputJSON(for: name, arguments: arguments)
        return try await withRuntime { runtime in
            let id = try await runtime.enqueue(name: name, queue: ELTPipeline.runQueueName, id: id, inputJSON: inputJSON)
            return try await runtime.existingWorkflow(id: id)
        }
    }

    /// Waits until workflow `id` ends (or `timeout` passes) and returns its row.
    public func wait(id: String, timeout: Duration) async throws -> WorkflowRecord {
        try await withRuntime { runtime in
            let deadline = ContinuousClock.now + timeout
            while true {
                let record = try await runtime.existingWorkflow(id: id)
                if record.status.isTerminal || ContinuousClock.now >= deadline { return record }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }
}
