import DurableRuntime
import Foundation
import GRDB

extension SQLiteJournal {
    /// Applies `writes` in one transaction and reports what each did. Runs off the caller's
    /// actor (`@concurrent`): the journal actor stays free to queue the writes submitted during
    /// the commit for the next one.
    @concurrent public func commit(_ writes: [JournalWrite]) async throws -> JournalCommitResult {
        let (result, touchedQueue) = try await writeTransactionInline("commit") { db in
            try SQLiteCommit.apply(writes, db)
        }
        if touchedQueue { queueActivity.raise() }
        return result
    }
}

/// The SQL of one group commit.
enum SQLiteCommit {
    /// What the writes of one commit have done so far, beside their results.
    struct State {
        /// Whether queued work changed (a queue waiter should look again).
        var touchedQueue = false
        /// Workflows whose steps were recorded (checked for a cancel at the end).
        var steppedWorkflows: Set<String> = []
        /// Fork targets: a copy goes only into a workflow this commit inserted, never into an
        /// existing one (whose own steps, or lack of them, belong to its own input).
        var insertedHere: Set<String> = []
    }

    /// Applies the batch inside the caller's transaction; also says whether queued work changed.
    static func apply(_ writes: [JournalWrite], _ db: Database) throws -> (JournalCommitResult, Bool) {
        var results: [JournalWriteResult] = []
        results.reserveCapacity(writes.count)
        var state = State()
        for write in writes {
            results.append(try apply(write, &state, db))
        }
        var cancelled: Set<String> = []
        if !state.steppedWorkflows.isEmpty {
            let statement = try db.cachedStatement(
                sql: """
                    SELECT workflow_id FROM workflow_status
                    WHERE status = 'CANCELLED' AND workflow_id IN (SELECT value FROM json_each(?))
                    """)
            cancelled = Set(try String.fetchAll(statement, arguments: [try jsonArray(Array(state.steppedWorkflows))]))
        }
        return (JournalCommitResult(results: results, cancelledWorkflowIDs: cancelled), state.touchedQueue)
    }

    /// Applies one write.
    static func apply(_ write: JournalWrite, _ state: inout State, _ db: Database) throws -> JournalWriteResult {
        switch write {
        case .insertWorkflow(let record, let parentOwner):
            if let parentOwner, let parentID = record.parentID, try hasOwner(parentID, parentOwner, db) == false {
                return .fenced
            }
            let result = try insertWorkflow(record, db)
            if result == .workflowInserted { state.insertedHere.insert(record.id) }
            if result == .workflowInserted, record.status == .enqueued { state.touchedQueue = true }
            return result
        case .recordStep(let step, let owner):
            state.steppedWorkflows.insert(step.workflowID)
            if let owner, try hasOwner(step.workflowID, owner, db) != true { return .fenced }
            return try recordStep(step, db)
        case .completeWorkflow(let id, let status, let output, let error, let at, let owner):
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE workflow_status SET status = ?, output = ?, error = ?, deduplication_id = NULL,
                      updated_at = ? WHERE workflow_id = ? AND status = 'PENDING'
                      AND (? IS NULL OR (executor_id IS ? AND owner_generation = ?))
                    RETURNING queue_name
                    """)
            let rows = try Row.fetchAll(
                statement,
                arguments: [status.rawValue, output, error, at, id, owner?.executorID, owner?.executorID, owner?.generation])
            if rows.contains(where: { ($0[0] as String?) != nil }) { state.touchedQueue = true }
            return .updated(!rows.isEmpty)
        case .transition(let id, let from, let to, let executorID, let reset, let at):
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE workflow_status SET status = ?, executor_id = COALESCE(?, executor_id),
                      owner_generation = owner_generation + 1, recovery_attempts = CASE WHEN ? THEN 0 ELSE recovery_attempts END,
                      deduplication_id = CASE WHEN ? THEN NULL ELSE deduplication_id END,
                      error = CASE WHEN ? THEN error ELSE NULL END, updated_at = ?
                    WHERE workflow_id = ? AND status IN (SELECT value FROM json_each(?)) RETURNING queue_name
                    """)
            let rows = try Row.fetchAll(
                statement,
                arguments: [to.rawValue, executorID, reset, to.isTerminal, to.isTerminal, at, id, try jsonArray(from.map(\.rawValue))])
            // A queued workflow entering ENQUEUED, or leaving the running set, frees or adds work.
            if to == .enqueued || to.isTerminal, rows.contains(where: { ($0[0] as String?) != nil }) {
                state.touchedQueue = true
            }
            return .updated(!rows.isEmpty)
        case .requeue(let id, let from, let queue, let at):
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE workflow_status SET status = 'ENQUEUED', queue_name = ?, executor_id = NULL, error = NULL,
                      owner_generation = owner_generation + 1, recovery_attempts = 0, updated_at = ?
                    WHERE workflow_id = ? AND status IN (SELECT value FROM json_each(?))
                    """)
            try statement.execute(arguments: [queue, at, id, try jsonArray(from.map(\.rawValue))])
            if db.changesCount > 0 { state.touchedQueue = true }
            return .updated(db.changesCount > 0)
        case .copySteps(let sourceID, let targetID, let belowStep):
            guard state.insertedHere.contains(targetID) else {
                return .refused(JournalRefusal.copyIntoExisting(targetID: targetID))
            }
            let hasSteps = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM operation_outputs WHERE workflow_id = ?)")
            if try Bool.fetchOne(hasSteps, arguments: [targetID]) == true {
                return .refused(JournalRefusal.copyIntoStepped(targetID: targetID))
            }
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO operation_outputs(workflow_id, function_id, function_name, output, error,
                      child_workflow_id, started_at, completed_at, attempts)
                    SELECT ?, function_id, function_name, output, error, child_workflow_id, started_at, completed_at,
                      attempts
                    FROM operation_outputs WHERE workflow_id = ? AND function_id < ?
                    """)
            try statement.execute(arguments: [targetID, sourceID, belowStep])
            return .copied(db.changesCount)
        case .cancelTree(let rootID, let originJSON, let at):
            let (ids, freedQueue) = try cancelTree(rootID: rootID, originJSON: originJSON, at: at, db)
            if freedQueue { state.touchedQueue = true }
            return .cancelled(ids)
        case .expectWorkflow(let id, let statuses):
            // The commit's IMMEDIATE transaction already excludes every other writer.
            guard let record = try SQLiteRows.workflow(id: id, db) else { return .found(nil) }
            if let statuses, !statuses.contains(record.status) { return .found(nil) }
            return .found(record)
        case .guarded(let required, let then):
            var results: [JournalWriteResult] = []
            var applied = true
            let before = state
            try db.inSavepoint {
                for write in required {
                    let result = try apply(write, &state, db)
                    results.append(result)
                    guard result.tookEffect else {
                        applied = false
                        return .rollback
                    }
                }
                for write in then { results.append(try apply(write, &state, db)) }
                return .commit
            }
            if !applied { state = before }
            return .guarded(applied: applied, results: results)
        }
    }

    /// Cancels the active rows of the tree below `rootID` (the root included); returns their
    /// ids, sorted, and whether any of them was queued (its queue has a slot or an entry less).
    static func cancelTree(rootID: String, originJSON: String, at: Int64, _ db: Database) throws -> ([String], Bool) {
        let statement = try db.cachedStatement(
            sql: """
                WITH RECURSIVE tree(id) AS (
                  SELECT ? UNION SELECT w.workflow_id FROM workflow_status w JOIN tree ON w.parent_workflow_id = tree.id)
                UPDATE workflow_status SET status = 'CANCELLED', error = ?, deduplication_id = NULL, updated_at = ?
                WHERE workflow_id IN (SELECT id FROM tree) AND status IN ('PENDING', 'ENQUEUED')
                RETURNING workflow_id, queue_name
                """)
        let rows = try Row.fetchAll(statement, arguments: [rootID, originJSON, at])
        let ids = rows.map { $0[0] as String }.sorted()
        return (ids, rows.contains { ($0[1] as String?) != nil })
    }

    /// Inserts a workflow unless its id or its queue deduplication id is taken.
    static func insertWorkflow(_ record: WorkflowRecord, _ db: Database) throws -> JournalWriteResult {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO workflow_status(\(SQLiteRows.workflowColumns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """)
        try statement.execute(arguments: [
            record.id, record.name, record.status.rawValue, record.inputJSON, record.outputJSON,
            record.errorJSON, record.executorID, record.queueName, record.recoveryAttempts,
            record.maxRecoveryAttempts, record.deduplicationID, record.priority, record.parentID,
            record.createdAt, record.updatedAt, record.ownerGeneration, record.traceContext,
        ])
        if db.changesCount > 0 { return .workflowInserted }
        if let existing = try SQLiteRows.workflow(id: record.id, db) { return .workflowExists(existing) }
        let holder = try db.cachedStatement(
            sql: "SELECT workflow_id FROM workflow_status WHERE queue_name = ? AND deduplication_id = ?")
        if let queue = record.queueName, let dedup = record.deduplicationID,
            let existingID = try String.fetchOne(holder, arguments: [queue, dedup])
        {
            return .deduplicated(existingWorkflowID: existingID)
        }
        throw JournalError.queryFailed(
            operation: "insert workflow \(record.id)", reason: "the insert was ignored but no conflicting row exists")
    }

    /// Whether workflow `id`'s row still has `owner` (its executor and the generation of the
    /// claim): nil when there is no row. The fence of a write made for an owner: a step needs
    /// `true` (a child whose insert was refused has no row, so it gets no steps); a child's
    /// insert is refused on `false` (its parent was claimed away), and a parent that has no row
    /// here does not refuse it.
    static func hasOwner(_ id: String, _ owner: WorkflowOwner, _ db: Database) throws -> Bool? {
        let statement = try db.cachedStatement(sql: "SELECT executor_id, owner_generation FROM workflow_status WHERE workflow_id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
        return (row[0] as String?) == owner.executorID && (row[1] as Int64) == owner.generation
    }

    /// Records a step outcome unless its position is taken.
    static func recordStep(_ step: StepRecord, _ db: Database) throws -> JournalWriteResult {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO operation_outputs(\(SQLiteRows.stepColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (workflow_id, function_id) DO NOTHING
                """)
        try statement.execute(arguments: [
            step.workflowID, step.stepNumber, step.name, step.outputJSON, step.errorJSON,
            step.childWorkflowID, step.startedAt, step.completedAt, step.attempts,
        ])
        if db.changesCount > 0 { return .stepRecorded }
        guard let existing = try SQLiteRows.step(workflowID: step.workflowID, stepNumber: step.stepNumber, db) else {
            throw JournalError.queryFailed(
                operation: "record step \(step.workflowID)#\(step.stepNumber)",
                reason: "the insert was ignored but no step exists at that position")
        }
        return .stepExists(existing)
    }

    /// Encodes strings as a JSON array, to bind a list as one value for `json_each`.
    static func jsonArray(_ values: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
    }
}
