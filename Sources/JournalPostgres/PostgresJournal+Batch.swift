import DurableRuntime
import PostgresNIO

extension PostgresJournal {
    /// Whether ``commitBatch(_:)`` can write `writes`: only workflow inserts without a
    /// deduplication id, step outcomes and completions, with no write depending on another
    /// in the same batch (the parts of one statement do not see each other's rows).
    static func isSingleStatementBatch(_ writes: [JournalWrite]) -> Bool {
        var inserted: Set<String> = []
        var completed: Set<String> = []
        var steps: Set<StepKey> = []
        for write in writes {
            switch write {
            case .insertWorkflow(let record):
                guard record.deduplicationID == nil, inserted.insert(record.id).inserted else { return false }
            case .recordStep(let step):
                guard steps.insert(StepKey(workflowID: step.workflowID, number: step.stepNumber)).inserted else { return false }
            case .completeWorkflow(let id, _, _, _, _):
                guard completed.insert(id).inserted else { return false }
            case .transition, .requeue, .copySteps:
                return false
            }
        }
        return inserted.isDisjoint(with: completed)
    }

    /// The hot path of group commit: a batch of workflow inserts, step outcomes and completions
    /// (see ``isSingleStatementBatch(_:)``) written by one statement — one round trip, one
    /// implicit transaction, one WAL flush — that also reports which of the batch's stepping
    /// workflows are cancelled. Rows whose key was taken are read afterwards, as a retried
    /// commit or a concurrent execution left them.
    func commitBatch(_ writes: [JournalWrite]) async throws -> JournalCommitResult {
        var workflows: [WorkflowRecord] = []
        var steps: [StepRecord] = []
        var completions: [Completion] = []
        for write in writes {
            switch write {
            case .insertWorkflow(let record): workflows.append(record)
            case .recordStep(let step): steps.append(step)
            case .completeWorkflow(let id, let status, let output, let error, let at):
                completions.append(Completion(id: id, status: status.rawValue, output: output, error: error, at: at))
            case .transition, .requeue, .copySteps:
                preconditionFailure("commitBatch takes only what isSingleStatementBatch accepts")
            }
        }
        let statement = batchStatement(workflows: workflows, steps: steps, completions: completions)
        let rows = try await withPooledConnection("commit \(writes.count) journal writes") { connection in
            try await connection.query(statement, logger: self.logger).collect()
        }
        var insertedWorkflows: Set<String> = []
        var insertedSteps: Set<StepKey> = []
        var completedIDs: Set<String> = []
        var cancelled: Set<String> = []
        var touchedQueue = false
        for row in rows {
            let (kind, workflowID, number, queue) = try row.decode((String, String, Int64, String?).self)
            switch kind {
            case "workflow":
                insertedWorkflows.insert(workflowID)
                if queue != nil { touchedQueue = true }
            case "step": insertedSteps.insert(StepKey(workflowID: workflowID, number: Int(number)))
            case "completed":
                completedIDs.insert(workflowID)
                if queue != nil { touchedQueue = true }
            default: cancelled.insert(workflowID)
            }
        }
        var results: [JournalWriteResult] = []
        results.reserveCapacity(writes.count)
        for write in writes {
            switch write {
            case .insertWorkflow(let record):
                if insertedWorkflows.contains(record.id) {
                    results.append(.workflowInserted)
                } else {
                    results.append(try await existingWorkflow(record))
                }
            case .recordStep(let step):
                if insertedSteps.contains(StepKey(workflowID: step.workflowID, number: step.stepNumber)) {
                    results.append(.stepRecorded)
                } else {
                    results.append(try await withPooledConnection("read step \(step.workflowID)#\(step.stepNumber)") {
                        try await self.existingStep(step, $0)
                    })
                }
            case .completeWorkflow(let id, _, _, _, _):
                results.append(.updated(completedIDs.contains(id)))
            case .transition, .requeue, .copySteps:
                break
            }
        }
        if touchedQueue {
            // Enqueued work, or a queued workflow finished: wake every listener's dequeue.
            try await withPooledConnection("notify \(channel)") { connection in
                try await connection.query("SELECT pg_notify(\(self.channel), 'commit')", logger: self.logger)
            }
            queueActivity.raise()
        }
        return JournalCommitResult(results: results, cancelledWorkflowIDs: cancelled)
    }

    /// One `INSERT … SELECT FROM unnest(…)` per kind present, as data-modifying CTEs, and a
    /// final `SELECT` of what each did: rows `(kind, workflow_id, function_id, queue_name)`.
    private func batchStatement(
        workflows: [WorkflowRecord], steps: [StepRecord], completions: [Completion]
    ) -> PostgresQuery {
        var binds = PostgresBindings()
        func bind<T: PostgresArrayEncodable & PostgresNonThrowingEncodable>(_ values: [T]) -> String {
            binds.append(values)
            return "$\(binds.count)"
        }
        var ctes: [String] = []
        var outputs: [String] = []
        if !workflows.isEmpty {
            let table = table("workflow_status")
            ctes.append("""
                new_workflows AS (
                  INSERT INTO \(table)(\(PostgresRows.workflowColumns))
                  SELECT id, name, status, inputs, CASE WHEN output_null THEN NULL ELSE output END,
                    CASE WHEN error_null THEN NULL ELSE error END, CASE WHEN executor_null THEN NULL ELSE executor END,
                    CASE WHEN queue_null THEN NULL ELSE queue END, attempts, max_attempts, NULL, priority,
                    CASE WHEN parent_null THEN NULL ELSE parent END, created_at, updated_at
                  FROM unnest(\(bind(workflows.map(\.id)))::text[], \(bind(workflows.map(\.name)))::text[],
                    \(bind(workflows.map(\.status.rawValue)))::text[], \(bind(workflows.map(\.inputJSON)))::text[],
                    \(bind(workflows.map { $0.outputJSON ?? "" }))::text[], \(bind(workflows.map { $0.outputJSON == nil }))::bool[],
                    \(bind(workflows.map { $0.errorJSON ?? "" }))::text[], \(bind(workflows.map { $0.errorJSON == nil }))::bool[],
                    \(bind(workflows.map { $0.executorID ?? "" }))::text[], \(bind(workflows.map { $0.executorID == nil }))::bool[],
                    \(bind(workflows.map { $0.queueName ?? "" }))::text[], \(bind(workflows.map { $0.queueName == nil }))::bool[],
                    \(bind(workflows.map { Int64($0.recoveryAttempts) }))::int8[],
                    \(bind(workflows.map { Int64($0.maxRecoveryAttempts) }))::int8[], \(bind(workflows.map { Int64($0.priority) }))::int8[],
                    \(bind(workflows.map { $0.parentID ?? "" }))::text[], \(bind(workflows.map { $0.parentID == nil }))::bool[],
                    \(bind(workflows.map(\.createdAt)))::int8[], \(bind(workflows.map(\.updatedAt)))::int8[])
                    AS t(id, name, status, inputs, output, output_null, error, error_null, executor, executor_null,
                      queue, queue_null, attempts, max_attempts, priority, parent, parent_null, created_at, updated_at)
                  ON CONFLICT DO NOTHING
                  RETURNING workflow_id, CASE WHEN status = 'ENQUEUED' THEN queue_name END AS queue_name
                )
                """)
            outputs.append("SELECT 'workflow', workflow_id, 0::int8, queue_name FROM new_workflows")
        }
        if !steps.isEmpty {
            let ids = bind(steps.map(\.workflowID))
            ctes.append("""
                new_steps AS (
                  INSERT INTO \(table("operation_outputs"))(\(PostgresRows.stepColumns))
                  SELECT wf, fid, name, CASE WHEN output_null THEN NULL ELSE output END,
                    CASE WHEN error_null THEN NULL ELSE error END, CASE WHEN child_null THEN NULL ELSE child END,
                    started_at, completed_at
                  FROM unnest(\(ids)::text[], \(bind(steps.map { Int64($0.stepNumber) }))::int8[],
                    \(bind(steps.map(\.name)))::text[],
                    \(bind(steps.map { $0.outputJSON ?? "" }))::text[], \(bind(steps.map { $0.outputJSON == nil }))::bool[],
                    \(bind(steps.map { $0.errorJSON ?? "" }))::text[], \(bind(steps.map { $0.errorJSON == nil }))::bool[],
                    \(bind(steps.map { $0.childWorkflowID ?? "" }))::text[], \(bind(steps.map { $0.childWorkflowID == nil }))::bool[],
                    \(bind(steps.map(\.startedAt)))::int8[], \(bind(steps.map(\.completedAt)))::int8[])
                    AS t(wf, fid, name, output, output_null, error, error_null, child, child_null, started_at, completed_at)
                  ON CONFLICT (workflow_id, function_id) DO NOTHING
                  RETURNING workflow_id, function_id
                )
                """)
            outputs.append("SELECT 'step', workflow_id, function_id::int8, NULL::text FROM new_steps")
            outputs.append("""
                SELECT 'cancelled', workflow_id, 0::int8, NULL::text FROM \(table("workflow_status"))
                WHERE status = 'CANCELLED' AND workflow_id = ANY(\(ids)::text[])
                """)
        }
        if !completions.isEmpty {
            let table = table("workflow_status")
            ctes.append("""
                completed AS (
                  UPDATE \(table) w SET status = c.status, output = CASE WHEN c.output_null THEN NULL ELSE c.output END,
                    error = CASE WHEN c.error_null THEN NULL ELSE c.error END, deduplication_id = NULL, updated_at = c.at
                  FROM unnest(\(bind(completions.map(\.id)))::text[], \(bind(completions.map(\.status)))::text[],
                    \(bind(completions.map { $0.output ?? "" }))::text[], \(bind(completions.map { $0.output == nil }))::bool[],
                    \(bind(completions.map { $0.error ?? "" }))::text[], \(bind(completions.map { $0.error == nil }))::bool[],
                    \(bind(completions.map(\.at)))::int8[])
                    AS c(id, status, output, output_null, error, error_null, at)
                  WHERE w.workflow_id = c.id AND w.status = 'PENDING'
                  RETURNING w.workflow_id, w.queue_name
                )
                """)
            outputs.append("SELECT 'completed', workflow_id, 0::int8, queue_name FROM completed")
        }
        let sql = "WITH " + ctes.joined(separator: ",\n") + "\n" + outputs.joined(separator: "\nUNION ALL\n")
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// The result of a workflow insert that did not happen: the row holding its id.
    private func existingWorkflow(_ record: WorkflowRecord) async throws -> JournalWriteResult {
        let existing = try await withPooledConnection("read workflow \(record.id)") { connection in
            try await self.fetchWorkflow(id: record.id, connection)
        }
        guard let existing else {
            throw JournalError.queryFailed(
                operation: "insert workflow \(record.id)", reason: "the insert was ignored but no conflicting row exists")
        }
        return .workflowExists(existing)
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

/// A step's position in the journal.
struct StepKey: Hashable {
    var workflowID: String
    var number: Int
}

/// A ``JournalWrite/completeWorkflow(id:status:outputJSON:errorJSON:at:)`` taken apart for binding.
private struct Completion {
    var id: String
    var status: String
    var output: String?
    var error: String?
    var at: Int64
}

