import DurableRuntime

/// `cdc_detection_workflow`: compares the run's deduplicated staging rows with
/// `users_latest` and records inserts, updates and (for a complete snapshot) deletes.
public struct CDCDetectionWorkflow: Workflow {
    /// The seed's name.
    public static let name = "cdc_detection_workflow"
    /// The pipeline's dependencies.
    public let environment: PipelineEnvironment

    /// Creates the workflow.
    public init(environment: PipelineEnvironment) {
        self.environment = environment
    }

    /// Detects the run's changes, once.
    public func run(context: WorkflowContext, input: StageInput) async throws -> CDCOutcome {
        try PipelineActor.checkStamps(dataStore: input.dataStore, runID: input.runID, environment: environment)
        return try await context.step("detect_changes", retry: environment.retries.database) {
            try await environment.store.detectChanges(
                runID: input.runID, tenant: input.tenant, snapshotComplete: input.snapshotComplete ?? false, sequence: input.sequence,
                maxDeleteFraction: input.maxDeleteFraction ?? DataStoreDefaults.maxDeleteFraction)
        }
    }
}

/// `apply_to_latest_workflow`: upserts and deletes the run's changes in `users_latest`.
public struct ApplyToLatestWorkflow: Workflow {
    /// The seed's name.
    public static let name = "apply_to_latest_workflow"
    /// The pipeline's dependencies.
    public let environment: PipelineEnvironment

    /// Creates the workflow.
    public init(environment: PipelineEnvironment) {
        self.environment = environment
    }

    /// Applies the run's changes, once.
    public func run(context: WorkflowContext, input: StageInput) async throws -> ApplyOutcome {
        try PipelineActor.checkStamps(dataStore: input.dataStore, runID: input.runID, environment: environment)
        return try await context.step("apply_changes", retry: environment.retries.database) {
            try await environment.store.applyChanges(
                runID: input.runID, tenant: input.tenant, sequence: input.sequence,
                maxDeleteFraction: input.maxDeleteFraction ?? DataStoreDefaults.maxDeleteFraction)
        }
    }
}

/// `sync_to_postgres_workflow`: writes the run's changes to the main database (Postgres, or
/// a second SQLite database when none is configured).
///
/// `users_latest` is the outbox: the sync first syncs every earlier run of the tenant that was
/// applied but never synced (its sync gave up), in start order, then this run, each in one
/// target transaction that streams the run's changes in chunks. An unreachable target is waited
/// out under ``PipelineEnvironment/syncRetry`` (15 minutes by default), with a warning per wait.
public struct SyncToPostgresWorkflow: Workflow {
    /// The seed's name.
    public static let name = "sync_to_postgres_workflow"
    /// The pipeline's dependencies.
    public let environment: PipelineEnvironment

    /// Creates the workflow.
    public init(environment: PipelineEnvironment) {
        self.environment = environment
    }

    /// Syncs the run's changes (and any earlier unsynced ones of the tenant), once.
    public func run(context: WorkflowContext, input: StageInput) async throws -> SyncOutcome {
        try PipelineActor.checkStamps(dataStore: input.dataStore, syncTarget: input.syncTarget, runID: input.runID,
                                      environment: environment)
        let (store, target, retry, logger) = (environment.store, environment.syncTarget, environment.syncRetry, environment.logger)
        return try await context.step("sync_changes", retry: .exponential(maxAttempts: 5, interval: .milliseconds(500))) {
            var caughtUp: [String] = []
            var own = SyncOutcome(upserts: 0, deletes: 0, alreadyApplied: true)
            var earlier = (upserts: 0, deletes: 0)
            for run in try await store.runsToSync(runID: input.runID, tenant: input.tenant, sequence: input.sequence) {
                let outcome = try await retry.run("sync run \(run) of \(input.tenant)", logger: logger) {
                    try await target.apply(runID: run, tenant: input.tenant, changes: store.changeChunks(runID: run, tenant: input.tenant))
                }
                try await store.markSynced(runID: run, tenant: input.tenant)
                if run == input.runID {
                    own = outcome
                } else {
                    caughtUp.append(run)
                    earlier.upserts += outcome.upserts
                    earlier.deletes += outcome.deletes
                    logger.notice("synced an earlier run of the tenant that had not been synced", metadata: [
                        "run_id": "\(run)", "by_run": "\(input.runID)", "tenant": "\(input.tenant)", "changes": "\(outcome.synced)",
                    ])
                }
            }
            own.upserts += earlier.upserts
            own.deletes += earlier.deletes
            own.caughtUpRuns = caughtUp.isEmpty ? nil : caughtUp
            return own
        }
    }
}
