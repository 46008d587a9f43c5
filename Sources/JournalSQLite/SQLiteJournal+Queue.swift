import DurableRuntime
import GRDB

extension SQLiteJournal {
    /// Moves up to `request.maxCount` enqueued workflows to `PENDING` on the requesting executor,
    /// within the queue's limits. The `IMMEDIATE` transaction serialises dequeuers across processes.
    public func dequeue(_ request: DequeueRequest) async throws -> [WorkflowRecord] {
        try await writeTransaction("dequeue from \(request.queueName)") { db in
            let counts = try db.cachedStatement(
                sql: """
                    SELECT COUNT(*), COALESCE(SUM(executor_id = ?), 0) FROM workflow_status
                    WHERE queue_name = ? AND status = 'PENDING'
                    """)
            guard let row = try Row.fetchOne(counts, arguments: [request.executorID, request.queueName]) else {
                return []
            }
            let running: Int = row[0]
            let mine: Int = row[1]
            var count = request.maxCount
            if let global = request.globalConcurrency { count = min(count, global - running) }
            if let worker = request.workerConcurrency { count = min(count, worker - mine) }
            guard count > 0 else { return [] }
            let claim = try db.cachedStatement(
                sql: """
                    UPDATE workflow_status SET status = 'PENDING', executor_id = ?, updated_at = ?,
                      owner_generation = owner_generation + 1
                    WHERE workflow_id IN (
                      SELECT workflow_id FROM workflow_status WHERE queue_name = ? AND status = 'ENQUEUED'
                        AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(?4) AS tree
                          WHERE workflow_id = tree.value OR substr(workflow_id, 1, length(tree.value) + 1) = tree.value || '-'))
                      ORDER BY priority, created_at, workflow_id LIMIT ?)
                    RETURNING \(SQLiteRows.workflowColumns)
                    """)
            let trees = try request.treeRootIDs.map(SQLiteCommit.jsonArray)
            let claimed = try Row.fetchAll(
                claim, arguments: [request.executorID, request.now, request.queueName, trees, count]
            ).map(SQLiteRows.workflowRecord)
            return claimed.sorted { ($0.priority, $0.createdAt, $0.id) < ($1.priority, $1.createdAt, $1.id) }
        }
    }

    /// Claims the `PENDING` workflows of `executorIDs` for `newExecutorID`.
    public func recover(executorIDs: [String], newExecutorID: String, now: Int64) async throws -> RecoveryClaim {
        let claim = try await writeTransaction("recover") { db -> RecoveryClaim in
            let pending = try db.cachedStatement(
                sql: """
                    SELECT \(SQLiteRows.workflowColumns) FROM workflow_status
                    WHERE status = 'PENDING' AND executor_id IN (SELECT value FROM json_each(?))
                    ORDER BY created_at, workflow_id
                    """)
            let rows = try Row.fetchAll(pending, arguments: [try SQLiteCommit.jsonArray(executorIDs)])
                .map(SQLiteRows.workflowRecord)
            let update = try db.cachedStatement(
                sql: """
                    UPDATE workflow_status SET status = ?, executor_id = ?, recovery_attempts = ?,
                      deduplication_id = ?, updated_at = ?, owner_generation = ? WHERE workflow_id = ?
                    """)
            var claim = RecoveryClaim()
            for pending in rows {
                let record = claim.claim(pending, newExecutorID: newExecutorID, now: now)
                try update.execute(arguments: [
                    record.status.rawValue, record.executorID, record.recoveryAttempts, record.deduplicationID,
                    now, record.ownerGeneration, record.id,
                ])
            }
            return claim
        }
        if !claim.requeued.isEmpty || !claim.deadLettered.isEmpty { queueActivity.raise() }
        return claim
    }
}
