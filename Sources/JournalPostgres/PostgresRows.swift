import Foundation
import DurableRuntime
import PostgresNIO
import PostgresSupport

/// Decoding of journal rows.
enum PostgresRows {
    /// The `workflow_status` columns in the order the decoders read them.
    static let workflowColumns = JournalSchema.workflowColumns
    /// The `operation_outputs` columns in the order the decoders read them.
    static let stepColumns = JournalSchema.stepColumns

    /// Parses a stored status.
    static func status(_ raw: String) throws -> WorkflowStatus {
        try JournalSchema.status(stored: raw)
    }

    /// Decodes rows selected with ``workflowColumns``.
    static func workflows(_ rows: FetchedRows) async throws -> [WorkflowRecord] {
        var records: [WorkflowRecord] = []
        let typed = rows.decode(
            (String, String, String, String, String?, String?, String?, String?, Int, Int, String?, Int, String?,
             Int64, Int64, Int64, String?).self)
        for try await (id, name, status, inputs, output, error, executor, queue, attempts, maxAttempts, dedup,
            priority, parent, createdAt, updatedAt, generation, traceContext) in typed
        {
            records.append(
                WorkflowRecord(
                    id: id, name: name, status: try Self.status(status), inputJSON: inputs, outputJSON: output,
                    errorJSON: error, executorID: executor, queueName: queue, recoveryAttempts: attempts,
                    maxRecoveryAttempts: maxAttempts, deduplicationID: dedup, priority: priority, parentID: parent,
                    createdAt: createdAt, updatedAt: updatedAt, ownerGeneration: generation, traceContext: traceContext))
        }
        return records
    }

    /// Decodes rows selected with ``stepColumns``.
    static func steps(_ rows: FetchedRows) async throws -> [StepRecord] {
        var records: [StepRecord] = []
        let typed = rows.decode((String, Int, String, String?, String?, String?, Int64, Int64, Int).self)
        for try await (workflowID, number, name, output, error, child, startedAt, completedAt, attempts) in typed {
            records.append(
                StepRecord(
                    workflowID: workflowID, stepNumber: number, name: name, outputJSON: output, errorJSON: error,
                    childWorkflowID: child, startedAt: startedAt, completedAt: completedAt, attempts: attempts))
        }
        return records
    }

    /// ``stepColumns`` of the `operation_outputs` table aliased `o`, for a left join.
    static let joinedStepColumns = stepColumns.split(separator: ",")
        .map { "o." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    /// Decodes rows selected with ``joinedStepColumns`` from a workflow row left-joined to its
    /// steps: nil without rows (no such workflow row), empty for one row of NULLs.
    static func ownedSteps(_ rows: FetchedRows) async throws -> [StepRecord]? {
        var records: [StepRecord] = []
        var sawRow = false
        let typed = rows.decode((String?, Int?, String?, String?, String?, String?, Int64?, Int64?, Int?).self)
        for try await (workflowID, number, name, output, error, child, startedAt, completedAt, attempts) in typed {
            sawRow = true
            guard let workflowID, let number, let name, let startedAt, let completedAt, let attempts else { continue }
            records.append(
                StepRecord(
                    workflowID: workflowID, stepNumber: number, name: name, outputJSON: output, errorJSON: error,
                    childWorkflowID: child, startedAt: startedAt, completedAt: completedAt, attempts: attempts))
        }
        return sawRow ? records : nil
    }

    /// Reads the first column of every row as a string (or nil).
    static func strings(_ rows: FetchedRows) async throws -> [String?] {
        var values: [String?] = []
        for try await (value) in rows.decode(String?.self) { values.append(value) }
        return values
    }
}
