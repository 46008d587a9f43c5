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
        try await context.step("detect_changes", retry: environment.retries.database) {
            try await environment.store.detectChanges(
                runID: input.runID, tenant: input.tenant, snapshotComplete: input.snapshotComplete ?? false)
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
        try await context.step("apply_changes", retry: environment.retries.database) {
            try await environment.store.applyChanges(runID: input.runID, tenant: input.tenant)
        }
    }
}

/// `sync_to_postgres_workflow`: writes the run's changes to the main database (Postgres, or
/// a second SQLite database when none is configured).
public struct SyncToPostgresWorkflow: Workflow {
    /// The seed's name.
    public static let name = "sync_to_postgres_workflow"
    /// The pipeline's dependencies.
    public let environment: PipelineEnvironment

    /// Creates the workflow.
    public init(environment: PipelineEnvironment) {
        self.environment = environment
    }

    /// Syncs the run's changes, once.
    public func run(context: WorkflowContext, input: StageInput) async throws -> SyncOutcome {
        try await context.step("sync_changes", retry: .exponential(maxAttempts: 5, interval: .milliseconds(500))) {
            let changes = try await environment.store.changes(runID: input.runID, tenant: input.tenant)
            return try await environment.syncTarget.apply(runID: input.runID, tenant: input.tenant, changes: changes)
        }
    }
}
