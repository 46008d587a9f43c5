import DurableRuntime
import PostgresNIO

extension PostgresJournal {
    /// Registers `info` unless a live lease of another incarnation holds its id: one
    /// transaction that locks the row (`FOR UPDATE`), or inserts it, so two starting processes
    /// cannot both win.
    public func acquireLease(_ info: ExecutorInfo, now: Int64, replacing: String?) async throws -> LeaseAcquisition {
        let executors = table("executors")
        let workflows = table("workflow_status")
        return try await inTransaction("acquire the lease of executor \(info.executorID)") { connection in
            // Serialises acquirers of this id even when no row exists yet.
            try await connection.boundedQuery(
                "SELECT pg_advisory_xact_lock(1785624002, hashtext(\(info.executorID)))", logger: self.logger, timeout: self.statementTimeout)
            let rows = try await connection.boundedQuery(
                """
                SELECT \(unescaped: Self.executorColumns) FROM \(unescaped: executors)
                WHERE executor_id = \(info.executorID) FOR UPDATE
                """, logger: self.logger, timeout: self.statementTimeout
            ).collect()
            if let row = rows.first {
                let holder = try Self.executor(row)
                if holder.isLive(at: now), holder.incarnation != info.incarnation, holder.incarnation != replacing {
                    return .held(holder)
                }
            }
            let pid = Int64(info.pid)
            try await connection.boundedQuery(
                """
                INSERT INTO \(unescaped: executors)(\(unescaped: Self.executorColumns))
                VALUES (\(info.executorID), \(info.incarnation), \(info.applicationVersion), \(info.host), \(pid),
                  \(info.startedAt), \(info.leaseExpiresAt))
                ON CONFLICT (executor_id) DO UPDATE SET incarnation = EXCLUDED.incarnation,
                  application_version = EXCLUDED.application_version, host = EXCLUDED.host, pid = EXCLUDED.pid,
                  started_at = EXCLUDED.started_at, lease_expires_at = EXCLUDED.lease_expires_at
                """, logger: self.logger, timeout: self.statementTimeout)
            // Executors that stopped over a day ago and own no PENDING workflow are forgotten
            // (a released one, whose lease end is 0, counts from its start).
            let cutoff = now - ExecutorInfo.forgottenAfter
            try await connection.boundedQuery(
                """
                DELETE FROM \(unescaped: executors) e
                WHERE (CASE WHEN e.lease_expires_at = 0 THEN e.started_at ELSE e.lease_expires_at END) < \(cutoff)
                  AND e.executor_id <> \(info.executorID)
                  AND NOT EXISTS (SELECT 1 FROM \(unescaped: workflows) w
                                  WHERE w.status = 'PENDING' AND w.executor_id = e.executor_id)
                """, logger: self.logger, timeout: self.statementTimeout)
            return .acquired
        }
    }

    /// Extends the lease if `incarnation` still holds it.
    public func renewLease(executorID: String, incarnation: String, until: Int64) async throws -> Bool {
        let executors = table("executors")
        return try await withPooledConnection("renew the lease of executor \(executorID)") { connection in
            let rows = try await connection.boundedQuery(
                """
                UPDATE \(unescaped: executors) SET lease_expires_at = \(until)
                WHERE executor_id = \(executorID) AND incarnation = \(incarnation) RETURNING 1
                """, logger: self.logger, timeout: self.statementTimeout
            ).collect()
            return !rows.isEmpty
        }
    }

    /// Ends the lease if `incarnation` still holds it.
    public func releaseLease(executorID: String, incarnation: String, at: Int64) async throws {
        let executors = table("executors")
        _ = try await withPooledConnection("release the lease of executor \(executorID)") { connection in
            try await connection.boundedQuery(
                """
                UPDATE \(unescaped: executors) SET lease_expires_at = \(at)
                WHERE executor_id = \(executorID) AND incarnation = \(incarnation)
                """, logger: self.logger, timeout: self.statementTimeout)
        }
    }

    /// Binds `binding` unless another value is bound (or `replacing`): one transaction whose
    /// `INSERT … ON CONFLICT DO NOTHING` waits for a concurrent binder's row, then reads the
    /// row that won, so processes binding at once agree.
    public func bind(_ binding: JournalBinding, replacing: Bool, now: Int64) async throws -> JournalBinding {
        let bindings = table("journal_bindings")
        return try await inTransaction("bind the journal's \(binding.key)") { connection in
            if !replacing {
                try await connection.boundedQuery(
                    """
                    INSERT INTO \(unescaped: bindings)(key, value, detail, bound_at)
                    VALUES (\(binding.key), \(binding.value), \(binding.detail), \(now)) ON CONFLICT (key) DO NOTHING
                    """, logger: self.logger, timeout: self.statementTimeout)
                let rows = try await connection.boundedQuery(
                    "SELECT value, detail, bound_at FROM \(unescaped: bindings) WHERE key = \(binding.key)",
                    logger: self.logger, timeout: self.statementTimeout
                ).collect()
                if let row = rows.first {
                    let (value, detail, boundAt) = try row.decode((String, String, Int64).self)
                    return JournalBinding(key: binding.key, value: value, detail: detail, boundAt: boundAt)
                }
            }
            try await connection.boundedQuery(
                """
                INSERT INTO \(unescaped: bindings)(key, value, detail, bound_at)
                VALUES (\(binding.key), \(binding.value), \(binding.detail), \(now))
                ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, detail = EXCLUDED.detail, bound_at = EXCLUDED.bound_at
                """, logger: self.logger, timeout: self.statementTimeout)
            return JournalBinding(key: binding.key, value: binding.value, detail: binding.detail, boundAt: now)
        }
    }

    /// Every registered executor, by id.
    public func executors() async throws -> [ExecutorInfo] {
        let executors = table("executors")
        return try await withPooledConnection("list executors") { connection in
            let rows = try await connection.boundedQuery(
                "SELECT \(unescaped: Self.executorColumns) FROM \(unescaped: executors) ORDER BY executor_id",
                logger: self.logger, timeout: self.statementTimeout
            ).collect()
            return try rows.map(Self.executor)
        }
    }

    static let executorColumns = "executor_id, incarnation, application_version, host, pid, started_at, lease_expires_at"

    static func executor(_ row: PostgresRow) throws -> ExecutorInfo {
        let (id, incarnation, version, host, pid, started, expires) = try row.decode(
            (String, String, String, String, Int64, Int64, Int64).self)
        return ExecutorInfo(
            executorID: id, incarnation: incarnation, applicationVersion: version, host: host, pid: Int(pid), startedAt: started,
            leaseExpiresAt: expires)
    }
}
