import DurableRuntime
import GRDB

/// Decoding of journal rows, and the shared single-row reads.
enum SQLiteRows {
    /// The `workflow_status` columns in the order the decoders read them.
    static let workflowColumns = JournalSchema.workflowColumns
    /// The `operation_outputs` columns in the order the decoders read them.
    static let stepColumns = JournalSchema.stepColumns

    /// Parses a stored status.
    static func status(_ raw: String) throws -> WorkflowStatus {
        try JournalSchema.status(stored: raw)
    }

    /// Decodes a row selected with ``workflowColumns``.
    static func workflowRecord(_ row: Row) throws -> WorkflowRecord {
        WorkflowRecord(
            id: row[0], name: row[1], status: try status(row[2]), inputJSON: row[3], outputJSON: row[4],
            errorJSON: row[5], executorID: row[6], queueName: row[7], recoveryAttempts: row[8],
            maxRecoveryAttempts: row[9], deduplicationID: row[10], priority: row[11], parentID: row[12],
            createdAt: row[13], updatedAt: row[14], ownerGeneration: row[15], traceContext: row[16])
    }

    /// Decodes a row selected with ``stepColumns``.
    static func stepRecord(_ row: Row) -> StepRecord {
        StepRecord(
            workflowID: row[0], stepNumber: row[1], name: row[2], outputJSON: row[3], errorJSON: row[4],
            childWorkflowID: row[5], startedAt: row[6], completedAt: row[7], attempts: row[8])
    }

    /// Reads one workflow row.
    static func workflow(id: String, _ db: Database) throws -> WorkflowRecord? {
        let statement = try db.cachedStatement(
            sql: "SELECT \(workflowColumns) FROM workflow_status WHERE workflow_id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map(workflowRecord)
    }

    /// Reads the steps of a workflow, in step order.
    static func steps(workflowID: String, _ db: Database) throws -> [StepRecord] {
        let statement = try db.cachedStatement(
            sql: "SELECT \(stepColumns) FROM operation_outputs WHERE workflow_id = ? ORDER BY function_id")
        return try Row.fetchAll(statement, arguments: [workflowID]).map(stepRecord)
    }

    /// Reads one step row.
    static func step(workflowID: String, stepNumber: Int, _ db: Database) throws -> StepRecord? {
        let statement = try db.cachedStatement(
            sql: "SELECT \(stepColumns) FROM operation_outputs WHERE workflow_id = ? AND function_id = ?")
        return try Row.fetchOne(statement, arguments: [workflowID, stepNumber]).map(stepRecord)
    }
}
