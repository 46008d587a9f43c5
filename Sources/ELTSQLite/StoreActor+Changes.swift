import ELT
import GRDB

extension StoreActor {
    /// Detects the changes between run `runID`'s staged snapshot and `users_latest`, and writes
    /// them into `users_cdc`, once.
    ///
    /// - The staged rows are deduplicated as the seed does, with a window function: one row
    ///   per user, the last occurrence in the snapshot (highest page, then position). The
    ///   duplicates are counted.
    /// - Deletes (users in latest, absent from the snapshot) are inferred only when
    ///   `snapshotComplete`, since a partial snapshot says nothing about absent users. A user
    ///   whose record was quarantined is present, not absent: it keeps its last good row. If a
    ///   quarantined record had no usable id, it could be anyone, so no delete is inferred.
    /// - **Mass-delete guard**: deletes of more than `maxDeleteFraction` of the tenant's latest
    ///   rows are withheld (counted in ``CDCOutcome/withheldDeletes``, not recorded), so the
    ///   run applies its inserts and updates and then fails with a clear error.
    /// - With a `sequence` (the run's start order among the tenant's runs), a run older than the
    ///   tenant's last applied run detects nothing and is marked superseded.
    public func detectChanges(
        runID: String, tenant: Tenant, snapshotComplete: Bool, sequence: Int?, maxDeleteFraction: Double
    ) async throws -> CDCOutcome {
        try await write("cdc_detection") { db in
            if let done = try Self.completion(db, CDCOutcome.self, runID: runID, tenant: tenant, stage: "cdc", part: 0) {
                return done
            }
            let applied = try Self.lastAppliedRun(db, tenant: tenant)
            var outcome: CDCOutcome
            if let sequence, let applied, applied.sequence > sequence {
                try Self.markSuperseded(db, runID: runID, tenant: tenant, by: applied.runID)
                outcome = .superseded(by: applied.runID)
            } else {
                outcome = try Self.detect(db, runID: runID, tenant: tenant, snapshotComplete: snapshotComplete,
                                          maxDeleteFraction: maxDeleteFraction)
                outcome.baseSequence = applied?.sequence ?? 0
            }
            try Self.recordCompletion(db, outcome, runID: runID, tenant: tenant, stage: "cdc", part: 0)
            return outcome
        }
    }

    /// Applies run `runID`'s changes to `users_latest` (upserts, then deletes), once.
    ///
    /// With a `sequence`, runs of a tenant apply in start order: a run older than the tenant's
    /// last applied run applies nothing (superseded); if an older run was applied after this
    /// run's detection, the changes are detected again first, against the latest table as it
    /// is now, in the same transaction.
    public func applyChanges(
        runID: String, tenant: Tenant, sequence: Int?, maxDeleteFraction: Double
    ) async throws -> ApplyOutcome {
        try await write("apply_to_latest") { db in
            if let done = try Self.completion(db, ApplyOutcome.self, runID: runID, tenant: tenant, stage: "apply", part: 0) {
                return done
            }
            let arguments: StatementArguments = [
                "run": runID, "org": tenant.organizationID, "integration": tenant.connectedIntegrationID,
            ]
            var redetected: CDCOutcome?
            if let sequence {
                let applied = try Self.lastAppliedRun(db, tenant: tenant)
                if let applied, applied.sequence > sequence {
                    try Self.markSuperseded(db, runID: runID, tenant: tenant, by: applied.runID)
                    let outcome = ApplyOutcome(applied: 0, latest: try Self.latestCount(db, arguments), supersededBy: applied.runID)
                    try Self.recordCompletion(db, outcome, runID: runID, tenant: tenant, stage: "apply", part: 0)
                    return outcome
                }
                let detection = try Self.completion(db, CDCOutcome.self, runID: runID, tenant: tenant, stage: "cdc", part: 0)
                if let detection, (applied?.sequence ?? 0) != (detection.baseSequence ?? 0) {
                    try db.execute(sql: """
                        DELETE FROM users_cdc WHERE workflow_id = :run AND organization_id = :org AND connected_integration_id = :integration
                        """, arguments: arguments)
                    var again = try Self.detect(db, runID: runID, tenant: tenant, snapshotComplete: detection.snapshotComplete,
                                                maxDeleteFraction: maxDeleteFraction)
                    again.baseSequence = applied?.sequence ?? 0
                    redetected = again
                }
            }
            try db.execute(sql: """
                INSERT OR REPLACE INTO users_latest
                    (id, external_id, organization_id, connected_integration_id, name, email, last_updated)
                SELECT id, external_id, organization_id, connected_integration_id, name, email, \(StoreSchema.now)
                FROM users_cdc
                WHERE workflow_id = :run AND organization_id = :org AND connected_integration_id = :integration
                  AND change_type IN ('INSERT', 'UPDATE')
                """, arguments: arguments)
            var applied = db.changesCount
            try db.execute(sql: """
                DELETE FROM users_latest
                WHERE organization_id = :org AND connected_integration_id = :integration
                  AND id IN (
                    SELECT id FROM users_cdc
                    WHERE workflow_id = :run AND organization_id = :org AND connected_integration_id = :integration
                      AND change_type = 'DELETE')
                """, arguments: arguments)
            applied += db.changesCount
            try db.execute(sql: """
                UPDATE tenant_runs SET applied_at = \(StoreSchema.now)
                WHERE organization_id = :org AND connected_integration_id = :integration AND workflow_id = :run
                """, arguments: arguments)
            let outcome = ApplyOutcome(applied: applied, latest: try Self.latestCount(db, arguments), redetected: redetected)
            try Self.recordCompletion(db, outcome, runID: runID, tenant: tenant, stage: "apply", part: 0)
            return outcome
        }
    }

    // MARK: - Detection

    /// Writes run `runID`'s changes into `users_cdc` and counts them (see ``detectChanges(runID:tenant:snapshotComplete:sequence:maxDeleteFraction:)``).
    static func detect(
        _ db: Database, runID: String, tenant: Tenant, snapshotComplete: Bool, maxDeleteFraction: Double
    ) throws -> CDCOutcome {
        let arguments: StatementArguments = [
            "run": runID, "org": tenant.organizationID, "integration": tenant.connectedIntegrationID,
        ]
        let latestBefore = try latestCount(db, arguments)
        try db.execute(sql: """
            WITH staged AS (
                SELECT id, external_id, name, email,
                       ROW_NUMBER() OVER (PARTITION BY id ORDER BY page DESC, position DESC) AS rn
                FROM users_staging
                WHERE workflow_id = :run AND organization_id = :org AND connected_integration_id = :integration
            )
            INSERT INTO users_cdc
                (id, workflow_id, external_id, organization_id, connected_integration_id, name, email, change_type)
            SELECT s.id, :run, s.external_id, :org, :integration, s.name, s.email,
                   CASE WHEN l.id IS NULL THEN 'INSERT' ELSE 'UPDATE' END
            FROM staged s
            LEFT JOIN users_latest l
                ON l.id = s.id AND l.organization_id = :org AND l.connected_integration_id = :integration
            WHERE s.rn = 1
              AND (l.id IS NULL OR l.name != s.name OR l.email != s.email OR l.external_id != s.external_id)
            """, arguments: arguments)
        let duplicates = try Int.fetchOne(db, sql: """
            SELECT COUNT(*) - COUNT(DISTINCT id) FROM users_staging
            WHERE workflow_id = :run AND organization_id = :org AND connected_integration_id = :integration
            """, arguments: arguments) ?? 0
        var withheld = 0
        var notInferred: String?
        if snapshotComplete {
            let anonymous = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM users_quarantine
                WHERE workflow_id = :run AND organization_id = :org AND connected_integration_id = :integration AND user_id IS NULL
                """, arguments: arguments) ?? 0
            if anonymous > 0 {
                notInferred = "\(anonymous) quarantined record\(anonymous == 1 ? " has" : "s have") no usable id, so any user could be among them"
            } else {
                let absent = Self.absentUsersSQL
                let candidates = try Int.fetchOne(db, sql: "SELECT COUNT(*) " + absent, arguments: arguments) ?? 0
                if candidates > 0, Double(candidates) > maxDeleteFraction * Double(latestBefore) {
                    withheld = candidates
                } else if candidates > 0 {
                    try db.execute(sql: """
                        INSERT INTO users_cdc
                            (id, workflow_id, external_id, organization_id, connected_integration_id, name, email, change_type)
                        SELECT l.id, :run, l.external_id, :org, :integration, l.name, l.email, 'DELETE'
                        """ + absent, arguments: arguments)
                }
            }
        }
        var outcome = CDCOutcome(inserts: 0, updates: 0, deletes: 0, duplicates: duplicates, withheldDeletes: withheld,
                                 latestBefore: latestBefore, deletesNotInferred: notInferred, snapshotComplete: snapshotComplete)
        for row in try Row.fetchAll(db, sql: """
            SELECT change_type, COUNT(*) AS n FROM users_cdc
            WHERE workflow_id = :run AND organization_id = :org AND connected_integration_id = :integration
            GROUP BY change_type
            """, arguments: arguments) {
            let count: Int = row["n"]
            switch ChangeType(rawValue: row["change_type"]) {
            case .insert: outcome.inserts = count
            case .update: outcome.updates = count
            case .delete: outcome.deletes = count
            case nil: break
            }
        }
        return outcome
    }

    /// The tenant's rows in `users_latest`; `arguments` name it as `:org` and `:integration`.
    static func latestCount(_ db: Database, _ arguments: StatementArguments) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM users_latest WHERE organization_id = :org AND connected_integration_id = :integration
            """, arguments: arguments) ?? 0
    }
}

extension StoreActor {
    /// The `FROM … WHERE …` of the tenant's latest users (`l`) with neither a staging row nor a
    /// quarantined record naming them in run `:run`: the deletes of a complete snapshot.
    /// The staged ids are looked up by key; the quarantined ids are one uncorrelated list
    /// (SQLite builds it once, as a B-tree): as a `NOT EXISTS` by `user_id`, which no index
    /// has, SQLite scanned the run's quarantined records once per latest user (latest ×
    /// quarantined).
    static let absentUsersSQL = """
        FROM users_latest l
        WHERE l.organization_id = :org AND l.connected_integration_id = :integration
          AND NOT EXISTS (
            SELECT 1 FROM users_staging s
            WHERE s.workflow_id = :run AND s.organization_id = :org AND s.connected_integration_id = :integration
              AND s.id = l.id)
          AND l.id NOT IN (
            SELECT q.user_id FROM users_quarantine q
            WHERE q.workflow_id = :run AND q.organization_id = :org AND q.connected_integration_id = :integration
              AND q.user_id IS NOT NULL)
        """
}
