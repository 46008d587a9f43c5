import DurableRuntime
import PostgresNIO

/// Decoding of journal rows.
enum PostgresRows {
    /// The `workflow_status` columns in the order ``workflows(_:)`` decodes them.
    static let workflowColumns = """
        workflow_id, name, status, inputs, output, error, executor_id, queue_name, recovery_attempts, \
        max_recovery_attempts, deduplication_id, priority, parent_workflow_id, created_at, updated_at
        """
    /// The `operation_outputs` columns in the order ``steps(_:)`` decodes them.
    static let stepColumns = """
        workflow_id, function_id, function_name, output, error, child_workflow_id, started_at, completed_at
        """

    /// Parses a stored status.
    static func status(_ raw: String) throws -> WorkflowStatus {
        guard let status = WorkflowStatus(rawValue: raw) else {
            throw JournalError.queryFailed(operation: "decode workflow", reason: "unknown status '\(raw)'")
        }
        return status
    }

    /// Decodes rows selected with ``workflowColumns``.
    static func workflows(_ rows: PostgresRowSequence) async throws -> [WorkflowRecord] {
        var records: [WorkflowRecord] = []
        let typed = rows.decode(
            (String, String, String, String, String?, String?, String?, String?, Int, Int, String?, Int, String?,
             Int64, Int64).self)
        for try await (id, name, status, inputs, output, error, executor, queue, attempts, maxAttempts, dedup,
            priority, parent, createdAt, updatedAt) in typed
        {
            records.append(
                WorkflowRecord(
                    id: id, name: name, status: try Self.status(status), inputJSON: inputs, outputJSON: output,
                    errorJSON: error, executorID: executor, queueName: queue, recoveryAttempts: attempts,
                    maxRecoveryAttempts: maxAttempts, deduplicationID: dedup, priority: priority, parentID: parent,
                    createdAt: createdAt, updatedAt: updatedAt))
        }
        return records
    }

    /// Decodes rows selected with ``stepColumns``.
    static func steps(_ rows: PostgresRowSequence) async throws -> [StepRecord] {
        var records: [StepRecord] = []
        let typed = rows.decode((String, Int, String, String?, String?, String?, Int64, Int64).self)
        for try await (workflowID, number, name, output, error, child, startedAt, completedAt) in typed {
            records.append(
                StepRecord(
                    workflowID: workflowID, stepNumber: number, name: name, outputJSON: output, errorJSON: error,
                    childWorkflowID: child, startedAt: startedAt, completedAt: completedAt))
        }
        return records
    }

    /// Reads the first column of every row as a string (or nil).
    static func strings(_ rows: PostgresRowSequence) async throws -> [String?] {
        var values: [String?] = []
        for try await (value) in rows.decode(String?.self) { values.append(value) }
        return values
    }
}
