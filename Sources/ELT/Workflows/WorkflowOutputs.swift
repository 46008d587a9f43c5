/// Output of one `fetch_users_from_api` step: a validated page.
public struct FetchedPage: Codable, Sendable, Equatable {
    /// The page number, from 0.
    public var page: Int
    /// The records that passed validation.
    public var users: [SourceUser]
    /// The records that did not, with their reasons.
    public var rejected: [QuarantinedRecord]
    /// Whether the source has more pages after this one.
    public var hasMore: Bool

    /// Creates a page.
    public init(page: Int, users: [SourceUser], rejected: [QuarantinedRecord], hasMore: Bool) {
        self.page = page
        self.users = users
        self.rejected = rejected
        self.hasMore = hasMore
    }

    /// Records held in memory for this page.
    public var recordCount: Int { users.count + rejected.count }

    enum CodingKeys: String, CodingKey {
        case page, users, rejected, hasMore = "has_more"
    }
}

/// Output of `extract_and_load_batch_workflow`.
public struct BatchResult: Codable, Sendable, Equatable {
    /// The batch, from 0.
    public var batchNumber: Int
    /// Pages fetched.
    public var pages: Int
    /// Users staged.
    public var staged: Int
    /// Records quarantined.
    public var quarantined: Int
    /// Whether the source has pages after this batch's last one.
    public var hasMore: Bool

    /// Creates a result.
    public init(batchNumber: Int, pages: Int, staged: Int, quarantined: Int, hasMore: Bool) {
        self.batchNumber = batchNumber
        self.pages = pages
        self.staged = staged
        self.quarantined = quarantined
        self.hasMore = hasMore
    }

    enum CodingKeys: String, CodingKey {
        case batchNumber = "batch_number", pages, staged, quarantined, hasMore = "has_more"
    }
}

/// Output of `extract_and_load_workflow`.
public struct ExtractResult: Codable, Sendable, Equatable {
    /// The run whose staging rows were written.
    public var runID: String
    /// Batches run.
    public var batches: Int
    /// Pages fetched.
    public var pages: Int
    /// Users staged.
    public var usersStaged: Int
    /// Records quarantined.
    public var quarantined: Int
    /// Whether the source's snapshot ended within the batches (so absent users are deletes).
    public var snapshotComplete: Bool

    /// Creates a result.
    public init(runID: String, batches: Int, pages: Int, usersStaged: Int, quarantined: Int, snapshotComplete: Bool) {
        self.runID = runID
        self.batches = batches
        self.pages = pages
        self.usersStaged = usersStaged
        self.quarantined = quarantined
        self.snapshotComplete = snapshotComplete
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", batches, pages, usersStaged = "users_staged", quarantined
        case snapshotComplete = "snapshot_complete"
    }
}

/// Output of `elt_pipeline_workflow`: one tenant's run through the four stages.
public struct PipelineResult: Codable, Sendable, Equatable {
    /// The organization.
    public var organizationID: String
    /// The connected integration.
    public var connectedIntegrationID: String
    /// The run id (the pipeline workflow's id), the `workflow_id` of its staging and CDC rows.
    public var runID: String
    /// Users staged.
    public var usersStaged: Int
    /// Records quarantined.
    public var quarantined: Int
    /// Whether the snapshot was complete (deletes detected).
    public var snapshotComplete: Bool
    /// Changes detected.
    public var cdc: CDCOutcome
    /// Changes applied to `users_latest`.
    public var applied: Int
    /// The tenant's rows in `users_latest` afterwards.
    public var latest: Int
    /// Changes synced to the main database.
    public var synced: Int

    /// Creates a result.
    public init(tenant: Tenant, runID: String, extract: ExtractResult, cdc: CDCOutcome, apply: ApplyOutcome, sync: SyncOutcome) {
        organizationID = tenant.organizationID
        connectedIntegrationID = tenant.connectedIntegrationID
        self.runID = runID
        usersStaged = extract.usersStaged
        quarantined = extract.quarantined
        snapshotComplete = extract.snapshotComplete
        self.cdc = cdc
        applied = apply.applied
        latest = apply.latest
        synced = sync.synced
    }

    enum CodingKeys: String, CodingKey {
        case organizationID = "organization_id", connectedIntegrationID = "connected_integration_id", runID = "run_id"
        case usersStaged = "users_staged", quarantined, snapshotComplete = "snapshot_complete", cdc, applied, latest, synced
    }
}

/// Output of `root_orchestration_workflow`: the totals over every integration.
public struct RootResult: Codable, Sendable, Equatable {
    /// Integrations processed.
    public var integrations: Int
    /// Users staged.
    public var usersStaged: Int
    /// Inserts detected.
    public var cdcInserts: Int
    /// Updates detected.
    public var cdcUpdates: Int
    /// Deletes detected.
    public var cdcDeletes: Int
    /// Changes applied to `users_latest`.
    public var applied: Int
    /// Rows in `users_latest` over the processed tenants.
    public var latest: Int
    /// Changes synced to the main database.
    public var synced: Int
    /// Records quarantined.
    public var quarantined: Int
    /// Each pipeline's result, in integration order.
    public var pipelines: [PipelineResult]

    /// The totals of `pipelines`.
    public init(pipelines: [PipelineResult]) {
        self.pipelines = pipelines
        integrations = pipelines.count
        usersStaged = pipelines.reduce(0) { $0 + $1.usersStaged }
        cdcInserts = pipelines.reduce(0) { $0 + $1.cdc.inserts }
        cdcUpdates = pipelines.reduce(0) { $0 + $1.cdc.updates }
        cdcDeletes = pipelines.reduce(0) { $0 + $1.cdc.deletes }
        applied = pipelines.reduce(0) { $0 + $1.applied }
        latest = pipelines.reduce(0) { $0 + $1.latest }
        synced = pipelines.reduce(0) { $0 + $1.synced }
        quarantined = pipelines.reduce(0) { $0 + $1.quarantined }
    }

    enum CodingKeys: String, CodingKey {
        case integrations, usersStaged = "users_staged", cdcInserts = "cdc_inserts", cdcUpdates = "cdc_updates"
        case cdcDeletes = "cdc_deletes", applied, latest, synced, quarantined, pipelines
    }
}
