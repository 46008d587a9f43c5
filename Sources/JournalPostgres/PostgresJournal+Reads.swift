import DurableRuntime
import PostgresNIO
import PostgresSupport

extension PostgresJournal {
    /// Reads one workflow.
    public func workflow(id: String) async throws -> WorkflowRecord? {
        try await withPooledConnection("read workflow \(id)") { connection in
            try await self.fetchWorkflow(id: id, connection)
        }
    }

    /// Reads one workflow row on `connection`.
    func fetchWorkflow(id: String, _ connection: PostgresConnection) async throws -> WorkflowRecord? {
        let rows = try await connection.boundedQuery(
            """
            SELECT \(unescaped: PostgresRows.workflowColumns) FROM \(unescaped: table("workflow_status"))
            WHERE workflow_id = \(id)
            """, logger: logger, timeout: statementTimeout)
        return try await PostgresRows.workflows(rows).first
    }

    /// The oldest stalled `PENDING` workflow (see ``JournalBackend/oldestStalledWorkflow(before:)``).
    public func oldestStalledWorkflow(before: Int64) async throws -> StalledWorkflow? {
        try await withPooledConnection("find stalled workflows") { connection in
            let workflows = self.table("workflow_status")
            let steps = self.table("operation_outputs")
            let rows = try await connection.boundedQuery(
                """
                SELECT * FROM (
                  SELECT \(unescaped: PostgresRows.workflowColumns), GREATEST(updated_at, COALESCE(
                    (SELECT MAX(completed_at) FROM \(unescaped: steps) s WHERE s.workflow_id = w.workflow_id), 0)) AS progress
                  FROM \(unescaped: workflows) w
                  WHERE status = 'PENDING' AND NOT EXISTS (
                    SELECT 1 FROM \(unescaped: workflows) c
                    WHERE c.parent_workflow_id = w.workflow_id AND c.status IN ('PENDING', 'ENQUEUED'))) AS pending
                WHERE progress < \(before) ORDER BY progress, workflow_id COLLATE "C" LIMIT 1
                """, logger: self.logger, timeout: self.statementTimeout)
            guard let row = rows.rows.first else { return nil }
            let records = try await PostgresRows.workflows(FetchedRows(rows: [row]))
            let columns = row.makeRandomAccess()
            return StalledWorkflow(record: records[0], lastProgressAt: try columns[columns.count - 1].decode(Int64.self))
        }
    }

    /// Reads the recorded operations of a workflow, in step order.
    public func steps(workflowID: String) async throws -> [StepRecord] {
        try await withPooledConnection("read steps of \(workflowID)") { connection in
            let rows = try await connection.boundedQuery(
                """
                SELECT \(unescaped: PostgresRows.stepColumns) FROM \(unescaped: self.table("operation_outputs"))
                WHERE workflow_id = \(workflowID) ORDER BY function_id
                """, logger: self.logger, timeout: self.statementTimeout)
            return try await PostgresRows.steps(rows)
        }
    }

    /// Reads the recorded operations of a workflow if its row is `PENDING` and held by `owner`,
    /// in one statement (see ``JournalBackend/steps(workflowID:ifOwnedBy:)``): no row means not
    /// owned, one row of NULL step columns means owned with nothing recorded.
    public func steps(workflowID: String, ifOwnedBy owner: WorkflowOwner) async throws -> [StepRecord]? {
        try await withPooledConnection("read steps of \(workflowID)") { connection in
            let rows = try await connection.boundedQuery(
                """
                SELECT \(unescaped: PostgresRows.joinedStepColumns)
                FROM \(unescaped: self.table("workflow_status")) w
                LEFT JOIN \(unescaped: self.table("operation_outputs")) o ON o.workflow_id = w.workflow_id
                WHERE w.workflow_id = \(workflowID) AND w.status = \(WorkflowStatus.pending.rawValue)
                  AND w.executor_id = \(owner.executorID) AND w.owner_generation = \(owner.generation)
                ORDER BY o.function_id
                """, logger: self.logger, timeout: self.statementTimeout)
            return try await PostgresRows.ownedSteps(rows)
        }
    }

    /// Lists workflows matching `query`. Only placeholders are added to the SQL text; every value
    /// is bound.
    public func listWorkflows(_ query: WorkflowQuery) async throws -> [WorkflowRecord] {
        var binds = PostgresBindings()
        var conditions: [String] = []
        func add(_ condition: (String) -> String, _ bind: (inout PostgresBindings) -> Void) {
            bind(&binds)
            conditions.append(condition("$\(binds.count)"))
        }
        if !query.statuses.isEmpty {
            add({ "status = ANY(\($0))" }, { $0.append(query.statuses.map(\.rawValue)) })
        }
        if let name = query.name { add({ "name = \($0)" }, { $0.append(name) }) }
        if let prefix = query.idPrefix { add({ "starts_with(workflow_id, \($0))" }, { $0.append(prefix) }) }
        if let after = query.createdAfter { add({ "created_at >= \($0)" }, { $0.append(after) }) }
        if let before = query.createdBefore { add({ "created_at < \($0)" }, { $0.append(before) }) }
        if let queue = query.queueName { add({ "queue_name = \($0)" }, { $0.append(queue) }) }
        if let parent = query.parentID { add({ "parent_workflow_id = \($0)" }, { $0.append(parent) }) }
        if query.topLevelOnly { conditions.append("parent_workflow_id IS NULL") }
        var sql = "SELECT \(PostgresRows.workflowColumns) FROM \(table("workflow_status"))"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        let direction = query.order == .ascending ? "ASC" : "DESC"
        sql += " ORDER BY created_at \(direction), workflow_id COLLATE \"C\" \(direction)"
        if let limit = query.limit {
            binds.append(limit)
            sql += " LIMIT $\(binds.count)"
        }
        binds.append(query.offset)
        sql += " OFFSET $\(binds.count)"
        let statement = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await withPooledConnection("list workflows") { connection in
            try await PostgresRows.workflows(try await connection.boundedQuery(statement, logger: self.logger, timeout: self.statementTimeout))
        }
    }

    /// Counts the workflows of a queue still waiting (`ENQUEUED`) or running (`PENDING`), per
    /// status; finished ones are not counted.
    public func queueDepth(queueName: String) async throws -> [WorkflowStatus: Int] {
        try await withPooledConnection("queue depth of \(queueName)") { connection in
            let rows = try await connection.boundedQuery(
                """
                SELECT status, COUNT(*) FROM \(unescaped: self.table("workflow_status"))
                WHERE queue_name = \(queueName) AND status IN ('ENQUEUED', 'PENDING') GROUP BY status
                """, logger: self.logger, timeout: self.statementTimeout)
            var depth: [WorkflowStatus: Int] = [:]
            for try await (status, count) in rows.decode((String, Int).self) {
                depth[try PostgresRows.status(status)] = count
            }
            return depth
        }
    }
}

extension PostgresJournal {
    /// Every row of every table of the journal's schema, one line per row (the row's text
    /// form), tables by name, rows sorted.
    public func dump() async throws -> [String] {
        try await withPooledConnection("dump the journal") { connection in
            let tables = try await PostgresRows.strings(
                connection.boundedQuery(
                    """
                    SELECT table_name::text FROM information_schema.tables
                    WHERE table_schema = \(self.schema) AND table_type = 'BASE TABLE' ORDER BY table_name
                    """, logger: self.logger, timeout: self.statementTimeout))
            var lines: [String] = []
            for case let table? in tables {
                // A name read from the catalogue, quoted as an identifier: not a value to bind.
                let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                let rows = try await PostgresRows.strings(
                    connection.boundedQuery(
                        PostgresQuery(unsafeSQL: "SELECT t::text FROM \"\(self.schema)\".\(quoted) t"), logger: self.logger, timeout: self.statementTimeout))
                lines += rows.map { "\(table): \($0 ?? "NULL")" }.sorted()
            }
            return lines
        }
    }
}
