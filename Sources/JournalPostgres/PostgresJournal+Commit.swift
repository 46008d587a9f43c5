import DurableRuntime
import PostgresNIO
import PostgresSupport

extension PostgresJournal {
    /// Applies `writes` in one transaction and reports what each did. A commit interrupted by a
    /// lost connection is retried whole; a retry after a COMMIT that did land is safe because
    /// inserts report what already exists instead of failing.
    public func commit(_ writes: [JournalWrite]) async throws -> JournalCommitResult {
        if !writes.isEmpty && Self.isSingleStatementBatch(writes) {
            return try await commitBatch(writes)
        }
        let (result, touchedQueue) = try await inTransaction("commit") { connection in
            try await self.apply(writes, connection)
        }
        // The NOTIFY also reaches our own LISTEN connection; raising here just saves the trip.
        if touchedQueue { queueActivity.raise() }
        return result
    }

    /// What the writes of one commit have done so far, beside their results.
    private struct State {
        /// Whether queued work changed (a NOTIFY wakes the other processes' queue workers).
        var touchedQueue = false
        /// Workflows whose steps were recorded (checked for a cancel at the end).
        var steppedWorkflows: Set<String> = []
        /// Fork targets: a copy goes only into a workflow this commit inserted, never into an
        /// existing one (whose own steps, or lack of them, belong to its own input).
        var insertedHere: Set<String> = []
        /// Nesting depth of guarded groups, for savepoint names.
        var depth = 0
    }

    private func apply(_ writes: [JournalWrite], _ connection: PostgresConnection) async throws
        -> (JournalCommitResult, Bool)
    {
        let workflows = table("workflow_status")
        var results: [JournalWriteResult] = []
        results.reserveCapacity(writes.count)
        var state = State()
        for write in writes {
            results.append(try await apply(write, &state, connection))
        }
        var cancelled: Set<String> = []
        if !state.steppedWorkflows.isEmpty {
            let ids = try await PostgresRows.strings(
                connection.boundedQuery(
                    """
                    SELECT workflow_id FROM \(unescaped: workflows)
                    WHERE status = 'CANCELLED' AND workflow_id = ANY(\(Array(state.steppedWorkflows)))
                    """, logger: logger, timeout: statementTimeout))
            cancelled = Set(ids.compactMap { $0 })
        }
        if state.touchedQueue {
            try await connection.boundedQuery("SELECT pg_notify(\(channel), 'commit')", logger: logger, timeout: statementTimeout)
        }
        return (JournalCommitResult(results: results, cancelledWorkflowIDs: cancelled), state.touchedQueue)
    }

    /// Applies one write.
    private func apply(_ write: JournalWrite, _ state: inout State, _ connection: PostgresConnection) async throws
        -> JournalWriteResult
    {
        let workflows = table("workflow_status")
        switch write {
        case .insertWorkflow(let record, let parentOwner):
            if let parentOwner, let parentID = record.parentID,
               try await hasOwner(parentID, parentOwner, connection) == false {
                return .fenced
            }
            let result = try await insertWorkflow(record, connection)
            if result == .workflowInserted { state.insertedHere.insert(record.id) }
            if result == .workflowInserted, record.status == .enqueued { state.touchedQueue = true }
            return result
        case .recordStep(let step, let owner):
            state.steppedWorkflows.insert(step.workflowID)
            if let owner, try await hasOwner(step.workflowID, owner, connection) != true {
                return .fenced
            }
            return try await recordStep(step, connection)
        case .completeWorkflow(let id, let status, let output, let error, let at, let owner):
            let queues = try await PostgresRows.strings(
                connection.boundedQuery(
                    """
                    UPDATE \(unescaped: workflows) SET status = \(status.rawValue), output = \(output),
                      error = \(error), deduplication_id = NULL, updated_at = \(at)
                    WHERE workflow_id = \(id) AND status = 'PENDING'
                      AND (\(owner?.executorID)::text IS NULL
                        OR (executor_id IS NOT DISTINCT FROM \(owner?.executorID) AND owner_generation = \(owner?.generation)))
                    RETURNING queue_name
                    """, logger: logger, timeout: statementTimeout))
            if queues.contains(where: { $0 != nil }) { state.touchedQueue = true }
            return .updated(!queues.isEmpty)
        case .transition(let id, let from, let to, let executorID, let reset, let at):
            let queues = try await PostgresRows.strings(
                connection.boundedQuery(
                    """
                    UPDATE \(unescaped: workflows) SET status = \(to.rawValue),
                      executor_id = COALESCE(\(executorID), executor_id), owner_generation = owner_generation + 1,
                      recovery_attempts = CASE WHEN \(reset) THEN 0 ELSE recovery_attempts END,
                      deduplication_id = CASE WHEN \(to.isTerminal) THEN NULL ELSE deduplication_id END,
                      error = CASE WHEN \(to.isTerminal) THEN error ELSE NULL END, updated_at = \(at)
                    WHERE workflow_id = \(id) AND status = ANY(\(from.map(\.rawValue))) RETURNING queue_name
                    """, logger: logger, timeout: statementTimeout))
            // A queued workflow entering ENQUEUED, or leaving the running set, adds or frees work.
            if to == .enqueued || to.isTerminal, queues.contains(where: { $0 != nil }) { state.touchedQueue = true }
            return .updated(!queues.isEmpty)
        case .requeue(let id, let from, let queue, let at):
            let requeued = try await PostgresRows.strings(
                connection.boundedQuery(
                    """
                    UPDATE \(unescaped: workflows) SET status = 'ENQUEUED', queue_name = \(queue), executor_id = NULL, error = NULL,
                      owner_generation = owner_generation + 1, recovery_attempts = 0, updated_at = \(at)
                    WHERE workflow_id = \(id) AND status = ANY(\(from.map(\.rawValue))) RETURNING workflow_id
                    """, logger: logger, timeout: statementTimeout))
            if !requeued.isEmpty { state.touchedQueue = true }
            return .updated(!requeued.isEmpty)
        case .copySteps(let sourceID, let targetID, let belowStep):
            guard state.insertedHere.contains(targetID) else {
                return .refused(JournalRefusal.copyIntoExisting(targetID: targetID))
            }
            let steps = table("operation_outputs")
            let stepped = try await connection.boundedQuery(
                "SELECT 1 FROM \(unescaped: steps) WHERE workflow_id = \(targetID) LIMIT 1", logger: logger, timeout: statementTimeout
            ).collect()
            if !stepped.isEmpty { return .refused(JournalRefusal.copyIntoStepped(targetID: targetID)) }
            let copied = try await connection.boundedQuery(
                """
                INSERT INTO \(unescaped: steps)(workflow_id, function_id, function_name, output, error,
                  child_workflow_id, started_at, completed_at, attempts)
                SELECT \(targetID), function_id, function_name, output, error, child_workflow_id, started_at,
                  completed_at, attempts
                FROM \(unescaped: steps) WHERE workflow_id = \(sourceID) AND function_id < \(belowStep)
                RETURNING function_id
                """, logger: logger, timeout: statementTimeout
            ).collect()
            return .copied(copied.count)
        case .cancelTree(let rootID, let originJSON, let at):
            let rows = try await connection.boundedQuery(
                """
                WITH RECURSIVE tree(id) AS (
                  SELECT \(rootID)::text
                  UNION SELECT w.workflow_id FROM \(unescaped: workflows) w JOIN tree ON w.parent_workflow_id = tree.id)
                UPDATE \(unescaped: workflows) SET status = 'CANCELLED', error = \(originJSON),
                  deduplication_id = NULL, updated_at = \(at)
                WHERE workflow_id IN (SELECT id FROM tree) AND status IN ('PENDING', 'ENQUEUED')
                RETURNING workflow_id, queue_name
                """, logger: logger, timeout: statementTimeout
            ).collect()
            var ids: [String] = []
            for row in rows {
                let (id, queue) = try row.decode((String, String?).self)
                ids.append(id)
                if queue != nil { state.touchedQueue = true }
            }
            return .cancelled(ids.sorted())
        case .expectWorkflow(let id, let statuses):
            // FOR UPDATE: what was checked holds until the commit (a concurrent writer waits).
            let rows = try await connection.boundedQuery(
                """
                SELECT \(unescaped: PostgresRows.workflowColumns) FROM \(unescaped: workflows)
                WHERE workflow_id = \(id) FOR UPDATE
                """, logger: logger, timeout: statementTimeout)
            guard let record = try await PostgresRows.workflows(rows).first else { return .found(nil) }
            if let statuses, !statuses.contains(record.status) { return .found(nil) }
            return .found(record)
        case .guarded(let required, let then):
            // A constant name per nesting depth; the name is not a value, so it is not bound.
            let savepoint = "guarded_\(state.depth)"
            let before = state
            state.depth += 1
            try await connection.boundedQuery(PostgresQuery(unsafeSQL: "SAVEPOINT \(savepoint)"), logger: logger, timeout: statementTimeout)
            var results: [JournalWriteResult] = []
            for write in required {
                let result = try await apply(write, &state, connection)
                results.append(result)
                guard result.tookEffect else {
                    try await connection.boundedQuery(PostgresQuery(unsafeSQL: "ROLLBACK TO SAVEPOINT \(savepoint)"), logger: logger, timeout: statementTimeout)
                    try await connection.boundedQuery(PostgresQuery(unsafeSQL: "RELEASE SAVEPOINT \(savepoint)"), logger: logger, timeout: statementTimeout)
                    state = before
                    return .guarded(applied: false, results: results)
                }
            }
            for write in then { results.append(try await apply(write, &state, connection)) }
            try await connection.boundedQuery(PostgresQuery(unsafeSQL: "RELEASE SAVEPOINT \(savepoint)"), logger: logger, timeout: statementTimeout)
            state.depth = before.depth
            return .guarded(applied: true, results: results)
        }
    }

    /// Whether workflow `id`'s row still has `owner` (its executor and the generation of the
    /// claim): nil when there is no row. The fence of a write made for an owner: a step needs
    /// `true` (a child whose insert was refused has no row, so it gets no steps); a child's
    /// insert is refused on `false` (its parent was claimed away), and a parent that has no row
    /// here does not refuse it.
    private func hasOwner(_ id: String, _ owner: WorkflowOwner, _ connection: PostgresConnection) async throws -> Bool? {
        let rows = try await connection.boundedQuery(
            """
            SELECT executor_id IS NOT DISTINCT FROM \(owner.executorID) AND owner_generation = \(owner.generation)
            FROM \(unescaped: table("workflow_status")) WHERE workflow_id = \(id)
            """, logger: logger, timeout: statementTimeout)
        for try await owned in rows.decode(Bool.self) { return owned }
        return nil
    }

    /// Inserts a workflow unless its id or its queue deduplication id is taken. `ON CONFLICT DO
    /// NOTHING` keeps a conflict (even with a concurrent inserter) from aborting the transaction.
    private func insertWorkflow(_ record: WorkflowRecord, _ connection: PostgresConnection) async throws
        -> JournalWriteResult
    {
        let workflows = table("workflow_status")
        let inserted = try await connection.boundedQuery(
            """
            INSERT INTO \(unescaped: workflows)(\(unescaped: PostgresRows.workflowColumns))
            VALUES (\(record.id), \(record.name), \(record.status.rawValue), \(record.inputJSON),
              \(record.outputJSON), \(record.errorJSON), \(record.executorID), \(record.queueName),
              \(record.recoveryAttempts), \(record.maxRecoveryAttempts), \(record.deduplicationID),
              \(record.priority), \(record.parentID), \(record.createdAt), \(record.updatedAt), \(record.ownerGeneration),
              \(record.traceContext))
            ON CONFLICT DO NOTHING RETURNING workflow_id
            """, logger: logger, timeout: statementTimeout
        ).collect()
        if !inserted.isEmpty { return .workflowInserted }
        if let existing = try await fetchWorkflow(id: record.id, connection) { return .workflowExists(existing) }
        if let queue = record.queueName, let dedup = record.deduplicationID {
            let holders = try await PostgresRows.strings(
                connection.boundedQuery(
                    """
                    SELECT workflow_id FROM \(unescaped: workflows)
                    WHERE queue_name = \(queue) AND deduplication_id = \(dedup)
                    """, logger: logger, timeout: statementTimeout))
            if let holder = holders.first, let holder {
                return .deduplicated(existingWorkflowID: holder)
            }
        }
        throw JournalError.queryFailed(
            operation: "insert workflow \(record.id)", reason: "the insert was ignored but no conflicting row exists")
    }

    /// Records a step outcome unless its position is taken.
    private func recordStep(_ step: StepRecord, _ connection: PostgresConnection) async throws -> JournalWriteResult {
        let steps = table("operation_outputs")
        let inserted = try await connection.boundedQuery(
            """
            INSERT INTO \(unescaped: steps)(\(unescaped: PostgresRows.stepColumns))
            VALUES (\(step.workflowID), \(step.stepNumber), \(step.name), \(step.outputJSON), \(step.errorJSON),
              \(step.childWorkflowID), \(step.startedAt), \(step.completedAt), \(step.attempts))
            ON CONFLICT (workflow_id, function_id) DO NOTHING RETURNING function_id
            """, logger: logger, timeout: statementTimeout
        ).collect()
        if !inserted.isEmpty { return .stepRecorded }
        return try await existingStep(step, connection)
    }
}
