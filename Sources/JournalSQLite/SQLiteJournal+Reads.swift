import DurableRuntime
import GRDB

extension SQLiteJournal {
    /// Reads one workflow.
    public func workflow(id: String) async throws -> WorkflowRecord? {
        try await readSnapshot("read workflow \(id)") { db in
            try SQLiteRows.workflow(id: id, db)
        }
    }

    /// Reads the recorded operations of a workflow, in step order.
    public func steps(workflowID: String) async throws -> [StepRecord] {
        try await readSnapshot("read steps of \(workflowID)") { db in try SQLiteRows.steps(workflowID: workflowID, db) }
    }

    /// Reads the recorded operations of a workflow if its row is `PENDING` and held by `owner`,
    /// in one snapshot (see ``JournalBackend/steps(workflowID:ifOwnedBy:)``).
    public func steps(workflowID: String, ifOwnedBy owner: WorkflowOwner) async throws -> [StepRecord]? {
        try await readSnapshot("read steps of \(workflowID)") { db in
            let owned = try db.cachedStatement(
                sql: """
                    SELECT 1 FROM workflow_status
                    WHERE workflow_id = ? AND status = ? AND executor_id = ? AND owner_generation = ?
                    """)
            let arguments: StatementArguments = [workflowID, WorkflowStatus.pending.rawValue, owner.executorID, owner.generation]
            guard try Row.fetchOne(owned, arguments: arguments) != nil else { return nil }
            return try SQLiteRows.steps(workflowID: workflowID, db)
        }
    }

    /// Lists workflows matching `query`.
    public func listWorkflows(_ query: WorkflowQuery) async throws -> [WorkflowRecord] {
        try await readSnapshot("list workflows") { db in
            var conditions: [String] = []
            var arguments = StatementArguments()
            if !query.statuses.isEmpty {
                conditions.append("status IN (\(Array(repeating: "?", count: query.statuses.count).joined(separator: ", ")))")
                for status in query.statuses { _ = arguments.append(contentsOf: [status.rawValue]) }
            }
            func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
                guard let value else { return }
                conditions.append(condition)
                _ = arguments.append(contentsOf: [value])
            }
            add("name = ?", query.name)
            // instr(...) = 1 is a case-sensitive "starts with" that needs no LIKE escaping.
            add("instr(workflow_id, ?) = 1", query.idPrefix)
            add("created_at >= ?", query.createdAfter)
            add("created_at < ?", query.createdBefore)
            add("queue_name = ?", query.queueName)
            add("parent_workflow_id = ?", query.parentID)
            if query.topLevelOnly { conditions.append("parent_workflow_id IS NULL") }
            var sql = "SELECT \(SQLiteRows.workflowColumns) FROM workflow_status"
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            let direction = query.order == .ascending ? "ASC" : "DESC"
            sql += " ORDER BY created_at \(direction), workflow_id \(direction) LIMIT ? OFFSET ?"
            _ = arguments.append(contentsOf: [query.limit ?? -1, query.offset])
            return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map(SQLiteRows.workflowRecord)
        }
    }

    /// The oldest stalled `PENDING` workflow (see ``JournalBackend/oldestStalledWorkflow(before:)``).
    public func oldestStalledWorkflow(before: Int64) async throws -> StalledWorkflow? {
        try await readSnapshot("find stalled workflows") { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT * FROM (
                      SELECT \(SQLiteRows.workflowColumns), MAX(updated_at, COALESCE(
                        (SELECT MAX(completed_at) FROM operation_outputs s WHERE s.workflow_id = w.workflow_id), 0)) AS progress
                      FROM workflow_status w
                      WHERE status = 'PENDING' AND NOT EXISTS (
                        SELECT 1 FROM workflow_status c
                        WHERE c.parent_workflow_id = w.workflow_id AND c.status IN ('PENDING', 'ENQUEUED')))
                    WHERE progress < ? ORDER BY progress, workflow_id LIMIT 1
                    """)
            guard let row = try Row.fetchOne(statement, arguments: [before]) else { return nil }
            return StalledWorkflow(record: try SQLiteRows.workflowRecord(row), lastProgressAt: row["progress"])
        }
    }

    /// Counts the workflows of a queue still waiting (`ENQUEUED`) or running (`PENDING`), per
    /// status; finished ones are not counted.
    public func queueDepth(queueName: String) async throws -> [WorkflowStatus: Int] {
        try await readSnapshot("queue depth of \(queueName)") { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT status, COUNT(*) FROM workflow_status
                    WHERE queue_name = ? AND status IN ('ENQUEUED', 'PENDING') GROUP BY status
                    """)
            var depth: [WorkflowStatus: Int] = [:]
            for row in try Row.fetchAll(statement, arguments: [queueName]) {
                depth[try SQLiteRows.status(row[0] as String)] = row[1]
            }
            return depth
        }
    }
}

extension SQLiteJournal {
    /// Every row of every table, one line per row, tables by name, rows sorted.
    public func dump() async throws -> [String] {
        try await readSnapshot("dump the journal") { db in
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            var lines: [String] = []
            for table in tables {
                // A name read from the catalogue, quoted as an identifier: not a value to bind.
                let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(quoted)")
                lines += rows.map { row in
                    "\(table): " + row.map { column, value in "\(column)=\(value)" }.joined(separator: " ")
                }.sorted()
            }
            return lines
        }
    }
}
