import Crypto
import DurableRuntime
import PostgresNIO
import PostgresSupport

extension PostgresJournal {
    /// Whether ``commitBatch(_:)`` can write `writes`: only workflow inserts without a
    /// deduplication id, step outcomes and completions, with no write depending on another
    /// in the same batch (the parts of one statement do not see each other's rows).
    static func isSingleStatementBatch(_ writes: [JournalWrite]) -> Bool {
        var inserted: Set<String> = []
        var completed: Set<String> = []
        var steps: Set<StepKey> = []
        // Workflows whose ownership a parent link or a completion checks. (A step's ownership
        // check sees a row inserted by the same statement, through `new_workflows`.)
        var owned: Set<String> = []
        for write in writes {
            switch write {
            case .insertWorkflow(let record, let parentOwner):
                guard record.deduplicationID == nil, inserted.insert(record.id).inserted else { return false }
                if parentOwner != nil {
                    guard let parentID = record.parentID else { return false }
                    owned.insert(parentID)
                }
            case .recordStep(let step, _):
                guard steps.insert(StepKey(workflowID: step.workflowID, number: step.stepNumber)).inserted else { return false }
            case .completeWorkflow(let id, _, _, _, _, let owner):
                guard completed.insert(id).inserted else { return false }
                if owner != nil { owned.insert(id) }
            case .transition, .requeue, .copySteps, .cancelTree, .expectWorkflow, .guarded:
                return false
            }
        }
        // A completion or a parent's ownership check cannot see a row inserted by the same
        // statement (a step's can, through new_workflows).
        return inserted.isDisjoint(with: completed) && inserted.isDisjoint(with: owned)
    }

    /// The call of this build's batch function in this schema (see
    /// ``CommitBatchStatement/functionSQL(schema:)``; ``migrate()`` creates it) with the
    /// statement's 50 parameters.
    var commitBatchCall: String {
        let parameters = (1...CommitBatchStatement.parameterCount).map { "$\($0)" }.joined(separator: ", ")
        return "SELECT r_kind, r_workflow_id, r_function_id, r_queue_name FROM \(table(CommitBatchStatement.functionName))(\(parameters))"
    }

    /// The hot path of group commit: a batch of workflow inserts, step outcomes and completions
    /// (see ``isSingleStatementBatch(_:)``) written by one statement (``CommitBatchStatement``)
    /// — one round trip, one implicit transaction, one WAL flush — that also reports which of the
    /// batch's stepping workflows are cancelled. Rows whose key was taken are read afterwards,
    /// as a retried commit or a concurrent execution left them.
    func commitBatch(_ writes: [JournalWrite]) async throws -> JournalCommitResult {
        var statement = CommitBatchStatement()
        for write in writes {
            switch write {
            case .insertWorkflow(let record, let parentOwner):
                statement.workflows.append(record)
                statement.parentOwners.append(parentOwner)
            case .recordStep(let step, let owner):
                statement.steps.append(step)
                statement.stepOwners.append(owner)
            case .completeWorkflow(let id, let status, let output, let error, let at, let owner):
                statement.completions.append(Completion(id: id, status: status.rawValue, output: output, error: error, at: at, owner: owner))
            case .transition, .requeue, .copySteps, .cancelTree, .expectWorkflow, .guarded:
                preconditionFailure("commitBatch takes only what isSingleStatementBatch accepts")
            }
        }
        let prepared = statement
        let rows = try await withReconnect("commit \(writes.count) journal writes") {
            let connection = try await self.commitConnection.get { try await self.connectForCommits() }
            do {
                let fetched = try await connection.boundedQuery(
                    PostgresQuery(unsafeSQL: self.commitBatchCall, binds: try prepared.makeBindings()),
                    logger: self.logger, timeout: self.statementTimeout)
                return try fetched.rows.map { try $0.decode(CommitBatchStatement.Row.self) }
            } catch {
                if PostgresErrorText.isConnectionLoss(error) { self.commitConnection.drop(connection) }
                throw error
            }
        }
        var insertedWorkflows: Set<String> = []
        var fencedWorkflows: Set<String> = []
        var insertedSteps: Set<StepKey> = []
        var fencedSteps: Set<StepKey> = []
        var completedIDs: Set<String> = []
        var cancelled: Set<String> = []
        var touchedQueue = false
        for (kind, workflowID, number, queue) in rows {
            switch kind {
            case "workflow":
                insertedWorkflows.insert(workflowID)
                if queue != nil { touchedQueue = true }
            case "step": insertedSteps.insert(StepKey(workflowID: workflowID, number: Int(number)))
            case "fenced": fencedSteps.insert(StepKey(workflowID: workflowID, number: Int(number)))
            case "fenced_workflow": fencedWorkflows.insert(workflowID)
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
            case .insertWorkflow(let record, _):
                if insertedWorkflows.contains(record.id) {
                    results.append(.workflowInserted)
                } else if fencedWorkflows.contains(record.id) {
                    results.append(.fenced)
                } else {
                    results.append(try await existingWorkflow(record))
                }
            case .recordStep(let step, _):
                let key = StepKey(workflowID: step.workflowID, number: step.stepNumber)
                if insertedSteps.contains(key) {
                    results.append(.stepRecorded)
                } else if fencedSteps.contains(key) {
                    results.append(.fenced)
                } else {
                    results.append(try await withPooledConnection("read step \(step.workflowID)#\(step.stepNumber)") {
                        try await self.existingStep(step, $0)
                    })
                }
            case .completeWorkflow(let id, _, _, _, _, _):
                results.append(.updated(completedIDs.contains(id)))
            case .transition, .requeue, .copySteps, .cancelTree, .expectWorkflow, .guarded:
                break
            }
        }
        if touchedQueue {
            // Enqueued work, or a queued workflow finished: wake every listener's dequeue.
            _ = try await withPooledConnection("notify \(channel)") { connection in
                try await connection.boundedQuery("SELECT pg_notify(\(self.channel), 'commit')", logger: self.logger, timeout: self.statementTimeout)
            }
            queueActivity.raise()
        }
        return JournalCommitResult(results: results, cancelledWorkflowIDs: cancelled)
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
            connection.boundedQuery(
                """
                SELECT \(unescaped: PostgresRows.stepColumns) FROM \(unescaped: table)
                WHERE workflow_id = \(step.workflowID) AND function_id = \(step.stepNumber)
                """, logger: logger, timeout: statementTimeout))
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

/// A ``JournalWrite/completeWorkflow(id:status:outputJSON:errorJSON:at:owner:)`` taken apart for binding.
struct Completion {
    var id: String
    var status: String
    var output: String?
    var error: String?
    var at: Int64
    var owner: WorkflowOwner?
}


/// The statement behind ``PostgresJournal/commitBatch(_:)``: three data-modifying CTEs (steps
/// and completions written for an owner only while the workflow's row is still that executor's:
/// fencing; the steps refused so are reported as `fenced`), each
/// over `unnest` of its columns (an empty array inserts or updates nothing), and a final
/// `SELECT` of what each did: rows `(kind, workflow_id, function_id, queue_name)`. Table names
/// are unqualified: the journal's connections put its schema first on their `search_path`, so
/// one statement text serves every schema. Nullable columns travel as a value array and an
/// is-null array, since the arrays' elements cannot be NULL.
struct CommitBatchStatement {
    static let sql = """
        WITH new_workflows AS (
          INSERT INTO workflow_status(\(PostgresRows.workflowColumns))
          SELECT id, name, status, inputs, CASE WHEN output_null THEN NULL ELSE output END,
            CASE WHEN error_null THEN NULL ELSE error END, CASE WHEN executor_null THEN NULL ELSE executor END,
            CASE WHEN queue_null THEN NULL ELSE queue END, attempts, max_attempts, NULL, priority,
            CASE WHEN parent_null THEN NULL ELSE parent END, created_at, updated_at, generation,
            CASE WHEN trace_null THEN NULL ELSE trace END
          FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::text[], $8::bool[],
            $9::text[], $10::bool[], $11::text[], $12::bool[], $13::int8[], $14::int8[], $15::int8[], $16::text[],
            $17::bool[], $18::int8[], $19::int8[], $44::int8[], $45::text[], $46::bool[], $47::int8[], $49::text[], $50::bool[])
            AS t(id, name, status, inputs, output, output_null, error, error_null, executor, executor_null,
              queue, queue_null, attempts, max_attempts, priority, parent, parent_null, created_at, updated_at,
              generation, powner, powner_null, pgeneration, trace, trace_null)
          WHERE t.powner_null OR NOT EXISTS (
            SELECT 1 FROM workflow_status o WHERE o.workflow_id = t.parent
              AND (o.executor_id IS DISTINCT FROM t.powner OR o.owner_generation <> t.pgeneration))
          ON CONFLICT DO NOTHING
          RETURNING workflow_id, CASE WHEN status = 'ENQUEUED' THEN queue_name END AS queue_name, executor_id, owner_generation
        ), new_steps AS (
          INSERT INTO operation_outputs(\(PostgresRows.stepColumns))
          SELECT wf, fid, name, CASE WHEN output_null THEN NULL ELSE output END,
            CASE WHEN error_null THEN NULL ELSE error END, CASE WHEN child_null THEN NULL ELSE child END,
            started_at, completed_at, attempts
          FROM unnest($20::text[], $21::int8[], $22::text[], $23::text[], $24::bool[], $25::text[], $26::bool[],
            $27::text[], $28::bool[], $29::int8[], $30::int8[], $38::text[], $39::bool[], $42::int8[], $48::int8[])
            AS t(wf, fid, name, output, output_null, error, error_null, child, child_null, started_at, completed_at,
              owner, owner_null, owner_generation, attempts)
          WHERE t.owner_null OR EXISTS (
            SELECT 1 FROM workflow_status o WHERE o.workflow_id = t.wf
              AND o.executor_id IS NOT DISTINCT FROM t.owner AND o.owner_generation = t.owner_generation)
            OR EXISTS (
            SELECT 1 FROM new_workflows n WHERE n.workflow_id = t.wf
              AND n.executor_id IS NOT DISTINCT FROM t.owner AND n.owner_generation = t.owner_generation)
          ON CONFLICT (workflow_id, function_id) DO NOTHING
          RETURNING workflow_id, function_id
        ), completed AS (
          UPDATE workflow_status w SET status = c.status, output = CASE WHEN c.output_null THEN NULL ELSE c.output END,
            error = CASE WHEN c.error_null THEN NULL ELSE c.error END, deduplication_id = NULL, updated_at = c.at
          FROM unnest($31::text[], $32::text[], $33::text[], $34::bool[], $35::text[], $36::bool[], $37::int8[],
            $40::text[], $41::bool[], $43::int8[])
            AS c(id, status, output, output_null, error, error_null, at, owner, owner_null, owner_generation)
          WHERE w.workflow_id = c.id AND w.status = 'PENDING'
            AND (c.owner_null OR (w.executor_id IS NOT DISTINCT FROM c.owner AND w.owner_generation = c.owner_generation))
          RETURNING w.workflow_id, w.queue_name
        )
        SELECT 'workflow', workflow_id, 0::int8, queue_name FROM new_workflows
        UNION ALL
        SELECT 'step', workflow_id, function_id::int8, NULL::text FROM new_steps
        UNION ALL
        SELECT 'cancelled', workflow_id, 0::int8, NULL::text FROM workflow_status
        WHERE status = 'CANCELLED' AND workflow_id = ANY($20::text[])
        UNION ALL
        SELECT 'completed', workflow_id, 0::int8, queue_name FROM completed
        UNION ALL
        SELECT 'fenced', t.wf, t.fid, NULL::text
        FROM unnest($20::text[], $21::int8[], $38::text[], $39::bool[], $42::int8[])
          AS t(wf, fid, owner, owner_null, owner_generation)
        WHERE NOT t.owner_null AND NOT EXISTS (
          SELECT 1 FROM workflow_status o WHERE o.workflow_id = t.wf
            AND o.executor_id IS NOT DISTINCT FROM t.owner AND o.owner_generation = t.owner_generation)
          AND NOT EXISTS (
          SELECT 1 FROM new_workflows n WHERE n.workflow_id = t.wf
            AND n.executor_id IS NOT DISTINCT FROM t.owner AND n.owner_generation = t.owner_generation)
        UNION ALL
        SELECT 'fenced_workflow', t.id, 0::int8, NULL::text
        FROM unnest($1::text[], $16::text[], $45::text[], $46::bool[], $47::int8[])
          AS t(id, parent, powner, powner_null, pgeneration)
        WHERE NOT t.powner_null AND EXISTS (
          SELECT 1 FROM workflow_status o WHERE o.workflow_id = t.parent
            AND (o.executor_id IS DISTINCT FROM t.powner OR o.owner_generation <> t.pgeneration))
        """

    typealias Row = (String, String, Int64, String?)

    /// How many parameters ``sql`` takes.
    static let parameterCount = 50

    /// The name of this build's batch function: `journal_commit_batch_` and the first 12 hex
    /// digits of ``sql``'s SHA-256. A build whose statement differs creates and calls its own
    /// function, so the function can never drift from the statement, and builds of different
    /// versions sharing one journal (a rolling upgrade) each call their own.
    static let functionName: String = {
        let hex = SHA256.hash(data: Array(sql.utf8)).prefix(6).map { byte in
            String(byte >> 4, radix: 16) + String(byte & 0x0f, radix: 16)
        }
        return "journal_commit_batch_" + hex.joined()
    }()

    /// The `CREATE OR REPLACE FUNCTION` of ``sql`` as ``functionName``(p1 … p50) in `schema`,
    /// with the tables qualified (it does not depend on the caller's `search_path`). PL/pgSQL
    /// prepares its statement once per session and reuses the plan, where the statement sent
    /// as text (postgres-nio's bounded path has no prepared form) is parsed and planned on
    /// every commit: about 0.5 ms of a 1.4 ms sequential checkpoint.
    static func functionSQL(schema: String) -> String {
        let s = "\"\(schema)\""
        var body = sql
        for index in stride(from: parameterCount, through: 1, by: -1) {
            body = body.replacingOccurrences(of: "$\(index)::", with: "p\(index)::")
        }
        for table in ["workflow_status", "operation_outputs"] {
            body = body.replacingOccurrences(of: "INSERT INTO \(table)(", with: "INSERT INTO \(s).\(table)(")
            body = body.replacingOccurrences(of: "UPDATE \(table) ", with: "UPDATE \(s).\(table) ")
            body = body.replacingOccurrences(of: "FROM \(table) ", with: "FROM \(s).\(table) ")
            body = body.replacingOccurrences(of: "FROM \(table)\n", with: "FROM \(s).\(table)\n")
        }
        let parameters = parameterTypes.enumerated().map { "p\($0.offset + 1) \($0.element)[]" }.joined(separator: ", ")
        return """
            CREATE OR REPLACE FUNCTION \(s).\(functionName)(\(parameters))
            RETURNS TABLE(r_kind text, r_workflow_id text, r_function_id int8, r_queue_name text)
            LANGUAGE plpgsql AS $function$
            #variable_conflict use_column
            BEGIN
              RETURN QUERY \(body);
            END
            $function$
            """
    }

    /// The element type of each parameter of ``sql``, in order, as its casts name them.
    static let parameterTypes: [String] = (1...parameterCount).map { index in
        guard let range = sql.range(of: "$\(index)::") else { preconditionFailure("parameter \(index) is not cast in the batch statement") }
        let rest = sql[range.upperBound...]
        return String(rest.prefix { $0.isLetter || $0.isNumber })
    }

    var workflows: [WorkflowRecord] = []
    var steps: [StepRecord] = []
    /// The owner each step is written for (nil: unchecked), in the order of ``steps``.
    var stepOwners: [WorkflowOwner?] = []
    /// The owner each workflow's parent must still have (nil: unchecked), in the order of ``workflows``.
    var parentOwners: [WorkflowOwner?] = []
    var completions: [Completion] = []

    func makeBindings() throws -> PostgresBindings {
        var binds = PostgresBindings(capacity: 50)
        let w = workflows
        binds.append(w.map(\.id)); binds.append(w.map(\.name)); binds.append(w.map(\.status.rawValue)); binds.append(w.map(\.inputJSON))
        binds.append(w.map { $0.outputJSON ?? "" }); binds.append(w.map { $0.outputJSON == nil })
        binds.append(w.map { $0.errorJSON ?? "" }); binds.append(w.map { $0.errorJSON == nil })
        binds.append(w.map { $0.executorID ?? "" }); binds.append(w.map { $0.executorID == nil })
        binds.append(w.map { $0.queueName ?? "" }); binds.append(w.map { $0.queueName == nil })
        binds.append(w.map { Int64($0.recoveryAttempts) }); binds.append(w.map { Int64($0.maxRecoveryAttempts) })
        binds.append(w.map { Int64($0.priority) })
        binds.append(w.map { $0.parentID ?? "" }); binds.append(w.map { $0.parentID == nil })
        binds.append(w.map(\.createdAt)); binds.append(w.map(\.updatedAt))
        let s = steps
        binds.append(s.map(\.workflowID)); binds.append(s.map { Int64($0.stepNumber) }); binds.append(s.map(\.name))
        binds.append(s.map { $0.outputJSON ?? "" }); binds.append(s.map { $0.outputJSON == nil })
        binds.append(s.map { $0.errorJSON ?? "" }); binds.append(s.map { $0.errorJSON == nil })
        binds.append(s.map { $0.childWorkflowID ?? "" }); binds.append(s.map { $0.childWorkflowID == nil })
        binds.append(s.map(\.startedAt)); binds.append(s.map(\.completedAt))
        let c = completions
        binds.append(c.map(\.id)); binds.append(c.map(\.status))
        binds.append(c.map { $0.output ?? "" }); binds.append(c.map { $0.output == nil })
        binds.append(c.map { $0.error ?? "" }); binds.append(c.map { $0.error == nil })
        binds.append(c.map(\.at))
        binds.append(stepOwners.map { $0?.executorID ?? "" }); binds.append(stepOwners.map { $0 == nil })
        binds.append(c.map { $0.owner?.executorID ?? "" }); binds.append(c.map { $0.owner == nil })
        binds.append(stepOwners.map { $0?.generation ?? 0 }) // $42
        binds.append(c.map { $0.owner?.generation ?? 0 }) // $43
        binds.append(w.map(\.ownerGeneration)) // $44
        binds.append(parentOwners.map { $0?.executorID ?? "" }); binds.append(parentOwners.map { $0 == nil }) // $45, $46
        binds.append(parentOwners.map { $0?.generation ?? 0 }) // $47
        binds.append(s.map { Int64($0.attempts) }) // $48
        binds.append(w.map { $0.traceContext ?? "" }); binds.append(w.map { $0.traceContext == nil }) // $49, $50
        return binds
    }
}
