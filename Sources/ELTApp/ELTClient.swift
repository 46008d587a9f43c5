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
        try await startReportingExisting(name: name, arguments: arguments, id: id).record
    }

    /// What ``startReportingExisting(name:arguments:id:)`` found.
    public struct Started: Sendable {
        /// The workflow's row.
        public var record: WorkflowRecord
        /// Whether the id existed already (nothing was enqueued: the existing workflow is returned).
        public var existed: Bool
        /// With an existing id: whether its recorded input differs from the one given (which is
        /// then ignored).
        public var inputDiffers: Bool
    }

    /// Enqueues workflow `name` with `arguments`, or, if `id` exists, returns that workflow and
    /// says whether its input differs from the given one.
    public func startReportingExisting(name: String, arguments: [String], id: String? = nil) async throws -> Started {
        let inputJSON = try WorkflowCatalog.inputJSON(for: name, arguments: arguments)
        return try await withRuntime { runtime in
            var before: WorkflowRecord?
            if let id { before = try await runtime.workflow(id: id) }
            let id = try await runtime.enqueue(name: name, queue: ELTPipeline.runQueueName, id: id, inputJSON: inputJSON)
            let record = try await runtime.existingWorkflow(id: id)
            let existed = before != nil
            return Started(record: record, existed: existed, inputDiffers: existed && !Self.sameJSON(record.inputJSON, inputJSON))
        }
    }

    /// Whether two JSON texts hold the same value (key order and spacing aside).
    static func sameJSON(_ a: String, _ b: String) -> Bool {
        func canonical(_ text: String) -> Data? {
            guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return nil }
            return try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
        }
        guard let left = canonical(a), let right = canonical(b) else { return a == b }
        return left == right
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
