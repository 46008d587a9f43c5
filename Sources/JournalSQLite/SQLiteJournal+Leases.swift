import DurableRuntime
import GRDB

extension SQLiteJournal {
    /// Registers `info` unless a live lease of another incarnation holds its id (one
    /// `IMMEDIATE` transaction, so two starting processes cannot both win).
    public func acquireLease(_ info: ExecutorInfo, now: Int64, replacing: String?) async throws -> LeaseAcquisition {
        try await writeTransaction("acquire the lease of executor \(info.executorID)") { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT \(Self.executorColumns) FROM executors WHERE executor_id = ?", arguments: [info.executorID])
            {
                let holder = Self.executor(row)
                if holder.isLive(at: now), holder.incarnation != info.incarnation, holder.incarnation != replacing {
                    return .held(holder)
                }
            }
            try db.execute(
                sql: """
                    INSERT INTO executors(\(Self.executorColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (executor_id) DO UPDATE SET incarnation = excluded.incarnation,
                      application_version = excluded.application_version, host = excluded.host, pid = excluded.pid,
                      started_at = excluded.started_at, lease_expires_at = excluded.lease_expires_at
                    """,
                arguments: [info.executorID, info.incarnation, info.applicationVersion, info.host, info.pid, info.startedAt,
                            info.leaseExpiresAt])
            try db.execute(sql: Self.forgetStoppedExecutors, arguments: [now - ExecutorInfo.forgottenAfter, info.executorID])
            return .acquired
        }
    }

    /// Extends the lease if `incarnation` still holds it.
    public func renewLease(executorID: String, incarnation: String, until: Int64) async throws -> Bool {
        try await writeTransaction("renew the lease of executor \(executorID)") { db in
            try db.execute(
                sql: "UPDATE executors SET lease_expires_at = ? WHERE executor_id = ? AND incarnation = ?",
                arguments: [until, executorID, incarnation])
            return db.changesCount > 0
        }
    }

    /// Ends the lease if `incarnation` still holds it.
    public func releaseLease(executorID: String, incarnation: String, at: Int64) async throws {
        try await writeTransaction("release the lease of executor \(executorID)") { db in
            try db.execute(
                sql: "UPDATE executors SET lease_expires_at = ? WHERE executor_id = ? AND incarnation = ?",
                arguments: [at, executorID, incarnation])
        }
    }

    /// Binds `binding` unless another value is bound (or `replacing`); one `IMMEDIATE` transaction.
    public func bind(_ binding: JournalBinding, replacing: Bool, now: Int64) async throws -> JournalBinding {
        try await writeTransaction("bind the journal's \(binding.key)") { db in
            if !replacing, let row = try Row.fetchOne(
                db, sql: "SELECT value, detail, bound_at FROM journal_bindings WHERE key = ?", arguments: [binding.key])
            {
                return JournalBinding(key: binding.key, value: row[0], detail: row[1], boundAt: row[2])
            }
            try db.execute(
                sql: """
                    INSERT INTO journal_bindings(key, value, detail, bound_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value, detail = excluded.detail, bound_at = excluded.bound_at
                    """,
                arguments: [binding.key, binding.value, binding.detail, now])
            return JournalBinding(key: binding.key, value: binding.value, detail: binding.detail, boundAt: now)
        }
    }

    /// Every registered executor, by id.
    public func executors() async throws -> [ExecutorInfo] {
        try await readSnapshot("list executors") { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.executorColumns) FROM executors ORDER BY executor_id").map(Self.executor)
        }
    }

    /// Deletes the executors that stopped before `?` (a released one, whose lease end is 0,
    /// counts from its start) and own no `PENDING` workflow, except `?` (the one registering).
    static let forgetStoppedExecutors = """
        DELETE FROM executors
        WHERE (CASE WHEN lease_expires_at = 0 THEN started_at ELSE lease_expires_at END) < ? AND executor_id <> ?
          AND NOT EXISTS (SELECT 1 FROM workflow_status w WHERE w.status = 'PENDING' AND w.executor_id = executors.executor_id)
        """

    static let executorColumns = "executor_id, incarnation, application_version, host, pid, started_at, lease_expires_at"

    static func executor(_ row: Row) -> ExecutorInfo {
        ExecutorInfo(
            executorID: row[0], incarnation: row[1], applicationVersion: row[2], host: row[3], pid: row[4], startedAt: row[5],
            leaseExpiresAt: row[6])
    }
}
