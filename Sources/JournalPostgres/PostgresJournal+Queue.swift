import DurableRuntime
import PostgresNIO
import PostgresSupport

extension PostgresJournal {
    /// Moves up to `request.maxCount` enqueued workflows to `PENDING` on the requesting executor.
    ///
    /// An advisory transaction lock per (schema, queue) serialises dequeuers of one queue across
    /// processes, so counting the running workflows and claiming new ones cannot interleave and
    /// the global limit is never exceeded; `FOR UPDATE SKIP LOCKED` keeps claimers off rows that
    /// another transaction (a cancel, say) holds.
    public func dequeue(_ request: DequeueRequest) async throws -> [WorkflowRecord] {
        try await inTransaction("dequeue from \(request.queueName)") { connection in
            let workflows = self.table("workflow_status")
            try await connection.boundedQuery(
                "SELECT pg_advisory_xact_lock(hashtext(\(self.schema)), hashtext(\(request.queueName)))",
                logger: self.logger, timeout: self.statementTimeout)
            var running = 0
            var mine = 0
            let counts = try await connection.boundedQuery(
                """
                SELECT COUNT(*), COUNT(*) FILTER (WHERE executor_id = \(request.executorID))
                FROM \(unescaped: workflows) WHERE queue_name = \(request.queueName) AND status = 'PENDING'
                """, logger: self.logger, timeout: self.statementTimeout)
            for try await (all, own) in counts.decode((Int, Int).self) {
                running = all
                mine = own
            }
            var count = request.maxCount
            if let global = request.globalConcurrency { count = min(count, global - running) }
            if let worker = request.workerConcurrency { count = min(count, worker - mine) }
            guard count > 0 else { return [] }
            let claimed = try await PostgresRows.workflows(
                connection.boundedQuery(
                    """
                    UPDATE \(unescaped: workflows)
                    SET status = 'PENDING', executor_id = \(request.executorID), updated_at = \(request.now),
                      owner_generation = owner_generation + 1
                    WHERE workflow_id IN (
                      SELECT workflow_id FROM \(unescaped: workflows)
                      WHERE queue_name = \(request.queueName) AND status = 'ENQUEUED'
                        AND (\(request.treeRootIDs)::text[] IS NULL OR EXISTS (
                          SELECT 1 FROM unnest(\(request.treeRootIDs)::text[]) AS tree(root)
                          WHERE workflow_id = tree.root OR left(workflow_id, length(tree.root) + 1) = tree.root || '-'))
                      ORDER BY priority, created_at, workflow_id COLLATE "C" LIMIT \(count)
                      FOR UPDATE SKIP LOCKED)
                    RETURNING \(unescaped: PostgresRows.workflowColumns)
                    """, logger: self.logger, timeout: self.statementTimeout))
            return claimed.sorted { ($0.priority, $0.createdAt, $0.id) < ($1.priority, $1.createdAt, $1.id) }
        }
    }

    /// Claims the `PENDING` workflows of `executorIDs` for `newExecutorID`: counts an attempt,
    /// dead-letters those past their limit, requeues queued ones, and returns the rest to run.
    public func recover(executorIDs: [String], newExecutorID: String, now: Int64) async throws -> RecoveryClaim {
        let claim = try await inTransaction("recover") { connection -> RecoveryClaim in
            let workflows = self.table("workflow_status")
            let pending = try await PostgresRows.workflows(
                connection.boundedQuery(
                    """
                    SELECT \(unescaped: PostgresRows.workflowColumns) FROM \(unescaped: workflows)
                    WHERE status = 'PENDING' AND executor_id = ANY(\(executorIDs))
                    ORDER BY created_at, workflow_id COLLATE "C" FOR UPDATE
                    """, logger: self.logger, timeout: self.statementTimeout))
            var claim = RecoveryClaim()
            for row in pending {
                let record = claim.claim(row, newExecutorID: newExecutorID, now: now)
                try await connection.boundedQuery(
                    """
                    UPDATE \(unescaped: workflows) SET status = \(record.status.rawValue),
                      executor_id = \(record.executorID), recovery_attempts = \(record.recoveryAttempts),
                      deduplication_id = \(record.deduplicationID), updated_at = \(now),
                      owner_generation = \(record.ownerGeneration)
                    WHERE workflow_id = \(record.id)
                    """, logger: self.logger, timeout: self.statementTimeout)
            }
            if !claim.requeued.isEmpty || !claim.deadLettered.isEmpty {
                try await connection.boundedQuery("SELECT pg_notify(\(self.channel), 'recover')", logger: self.logger, timeout: self.statementTimeout)
            }
            return claim
        }
        if !claim.requeued.isEmpty { queueActivity.raise() }
        return claim
    }
}
