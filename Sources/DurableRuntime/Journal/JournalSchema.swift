/// Facts about the journal tables that every backend shares (the DDL itself is per dialect).
public enum JournalSchema {
    /// The `workflow_status` columns, in the order backends read and write them.
    public static let workflowColumns = """
        workflow_id, name, status, inputs, output, error, executor_id, queue_name, recovery_attempts, \
        max_recovery_attempts, deduplication_id, priority, parent_workflow_id, created_at, updated_at, \
        owner_generation, trace_context
        """

    /// The `operation_outputs` columns, in the order backends read and write them.
    public static let stepColumns = """
        workflow_id, function_id, function_name, output, error, child_workflow_id, started_at, completed_at, attempts
        """

    /// Parses a stored status, failing with a journal error that names the bad value.
    public static func status(stored raw: String) throws -> WorkflowStatus {
        guard let status = WorkflowStatus(rawValue: raw) else {
            throw JournalError.queryFailed(operation: "decode workflow", reason: "unknown status '\(raw)'")
        }
        return status
    }
}
