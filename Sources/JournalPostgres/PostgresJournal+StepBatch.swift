import DurableRuntime
import PostgresNIO

extension PostgresJournal {
    /// The hot path of group commit: a batch made only of step outcomes is written by a single
    /// statement (one round trip, one implicit transaction, one WAL flush) that also reports
    /// which of the batch's workflows are cancelled. Positions already taken fall back to a read.
    func commitSteps(_ steps: [StepRecord]) async throws -> JournalCommitResult {
        let table = self.table("operation_outputs")
        let workflows = self.table("workflow_status")
        let ids = steps.map(\.workflowID)
        let numbers = steps.map { Int64($0.stepNumber) }
        let names = steps.map(\.name)
        let outputs = steps.map { $0.outputJSON ?? "" }
        let outputIsNull = steps.map { $0.outputJSON == nil }
        let errors = steps.map { $0.errorJSON ?? "" }
        let errorIsNull = steps.map { $0.errorJSON == nil }
        let children = steps.map { $0.childWorkflowID ?? "" }
        let childIsNull = steps.map { $0.childWorkflowID == nil }
        let started = steps.map(\.startedAt)
        let completed = steps.map(\.completedAt)
        let rows = try await withPooledConnection("commit \(steps.count) step outcomes") { connection in
            try await connection.query(
                """
                WITH input AS (
                  SELECT * FROM unnest(\(ids)::text[], \(numbers)::int8[], \(names)::text[], \(outputs)::text[],
                    \(outputIsNull)::bool[], \(errors)::text[], \(errorIsNull)::bool[], \(children)::text[],
                    \(childIsNull)::bool[], \(started)::int8[], \(completed)::int8[])
                    AS t(wf, fid, name, output, output_null, error, error_null, child, child_null, started_at, completed_at)
                ), inserted AS (
                  INSERT INTO \(unescaped: table)(\(unescaped: PostgresRows.stepColumns))
                  SELECT wf, fid, name, CASE WHEN output_null THEN NULL ELSE output END,
                    CASE WHEN error_null THEN NULL ELSE error END, CASE WHEN child_null THEN NULL ELSE child END,
                    started_at, completed_at
                  FROM input
                  ON CONFLICT (workflow_id, function_id) DO NOTHING
                  RETURNING workflow_id, function_id
                )
                SELECT 'inserted', workflow_id, function_id::int8 FROM inserted
                UNION ALL
                SELECT 'cancelled', workflow_id, 0::int8 FROM \(unescaped: workflows)
                WHERE status = 'CANCELLED' AND workflow_id = ANY(\(ids)::text[])
                """, logger: self.logger
            ).collect()
        }
        var inserted: Set<String> = []
        var cancelled: Set<String> = []
        for row in rows {
            let (kind, workflowID, number) = try row.decode((String, String, Int64).self)
            if kind == "inserted" { inserted.insert("\(workflowID)#\(number)") } else { cancelled.insert(workflowID) }
        }
        var results: [JournalWriteResult] = []
        results.reserveCapacity(steps.count)
        for step in steps {
            if inserted.contains("\(step.workflowID)#\(step.stepNumber)") {
                results.append(.stepRecorded)
            } else {
                results.append(try await withPooledConnection("read step \(step.workflowID)#\(step.stepNumber)") {
                    try await self.existingStep(step, $0)
                })
            }
        }
        return JournalCommitResult(results: results, cancelledWorkflowIDs: cancelled)
    }

    /// The record already at a step's position (a retried commit, or a concurrent execution).
    func existingStep(_ step: StepRecord, _ connection: PostgresConnection) async throws -> JournalWriteResult {
        let table = self.table("operation_outputs")
        let existing = try await PostgresRows.steps(
            connection.query(
                """
                SELECT \(unescaped: PostgresRows.stepColumns) FROM \(unescaped: table)
                WHERE workflow_id = \(step.workflowID) AND function_id = \(step.stepNumber)
                """, logger: logger))
        guard let record = existing.first else {
            throw JournalError.queryFailed(
                operation: "record step \(step.workflowID)#\(step.stepNumber)",
                reason: "the insert was ignored but no step exists at that position")
        }
        return .stepExists(record)
    }
}
