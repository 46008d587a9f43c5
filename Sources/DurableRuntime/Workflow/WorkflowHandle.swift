/// A reference to a workflow in the journal: its id, its status and, eventually, its result.
public struct WorkflowHandle<Output: Codable & Sendable>: Sendable {
    /// The workflow id.
    public let id: String
    let runtime: WorkflowRuntime

    init(id: String, runtime: WorkflowRuntime) {
        self.id = id
        self.runtime = runtime
    }

    /// Waits for the workflow to finish and returns its output, or throws its recorded error
    /// (as ``WorkflowError/failed(workflowID:error:)``), ``WorkflowError/cancelled(workflowID:)``
    /// or ``WorkflowError/maxRecoveryAttemptsExceeded(workflowID:)``.
    public func result() async throws -> Output {
        let record = try await runtime.waitForTerminal(id)
        return try WorkflowHandle.output(of: record)
    }

    /// The workflow's current row in the journal.
    public func status() async throws -> WorkflowRecord {
        try await runtime.existingWorkflow(id: id)
    }

    static func output(of record: WorkflowRecord) throws -> Output {
        switch record.status {
        case .success:
            return try JournalJSON.decode(Output.self, from: record.outputJSON, workflowID: record.id, what: "output")
        case .error:
            let error = try JournalJSON.decode(RecordedError.self, from: record.errorJSON, workflowID: record.id, what: "error")
            throw WorkflowError.failed(workflowID: record.id, error: error)
        case .cancelled:
            throw WorkflowError.cancelled(workflowID: record.id)
        case .maxRecoveryAttemptsExceeded:
            throw WorkflowError.maxRecoveryAttemptsExceeded(workflowID: record.id)
        case .pending, .enqueued:
            throw WorkflowError.invalidState(workflowID: record.id, status: record.status, action: "read the result of")
        }
    }
}
