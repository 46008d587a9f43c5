/// Output of one `fetch_users_from_api` step: a validated page.
public struct FetchedPage: Codable, Sendable, Equatable {
    /// The page number, from 0.
    public var page: Int
    /// The records that passed validation.
    public var users: [SourceUser]
    /// The records that did not, with their reasons.
    public var rejected: [QuarantinedRecord]
    /// What the source declared about more pages (nil: it did not say).
    public var hasMore: Bool?
    /// Set when the page does not exist (a `404`/`410`): what the source said.
    public var missing: String?

    /// Creates a page.
    public init(page: Int, users: [SourceUser], rejected: [QuarantinedRecord], hasMore: Bool?, missing: String? = nil) {
        self.page = page
        self.users = users
        self.rejected = rejected
        self.hasMore = hasMore
        self.missing = missing
    }

    /// Records held in memory for this page.
    public var recordCount: Int { users.count + rejected.count }

    /// A digest of the page's records, to recognise a page that repeats the previous one.
    var digest: String {
        var text = ""
        for user in users { text += user.id + "\u{1F}" + user.name + "\u{1F}" + user.email + "\u{1E}" }
        for record in rejected { text += record.rawJSON + "\u{1E}" }
        return SHA1.hexDigest(Array(text.utf8))
    }

    enum CodingKeys: String, CodingKey {
        case page, users, rejected, hasMore = "has_more", missing
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
    /// Whether the snapshot goes on after this batch (it has not ended).
    public var hasMore: Bool
    /// Where the snapshot stands after this batch (nil in results recorded before trails).
    public var trail: PageTrail?
    /// Pages fetched (prefetched) past the end of the snapshot, whose records and failures were ignored.
    public var ignoredPages: Int?

    /// Creates a result.
    public init(batchNumber: Int, pages: Int, staged: Int, quarantined: Int, hasMore: Bool, trail: PageTrail? = nil,
                ignoredPages: Int? = nil) {
        self.batchNumber = batchNumber
        self.pages = pages
        self.staged = staged
        self.quarantined = quarantined
        self.hasMore = hasMore
        self.trail = trail
        self.ignoredPages = ignoredPages
    }

    enum CodingKeys: String, CodingKey {
        case batchNumber = "batch_number", pages, staged, quarantined, hasMore = "has_more", trail, ignoredPages = "ignored_pages"
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
    /// Whether the snapshot is proven complete (so absent users are deletes): see ``PageTrail``.
    public var snapshotComplete: Bool
    /// How the snapshot ended (a ``PageTrail/End`` raw value), or `num_batches` if the batches
    /// ran out first.
    public var end: String?

    /// Creates a result.
    public init(runID: String, batches: Int, pages: Int, usersStaged: Int, quarantined: Int, snapshotComplete: Bool, end: String? = nil) {
        self.runID = runID
        self.batches = batches
        self.pages = pages
        self.usersStaged = usersStaged
        self.quarantined = quarantined
        self.snapshotComplete = snapshotComplete
        self.end = end
    }

    /// The ``end`` of an extraction whose batches ran out before the snapshot ended.
    public static let batchesExhausted = "num_batches"

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", batches, pages, usersStaged = "users_staged", quarantined
        case snapshotComplete = "snapshot_complete", end
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
    /// Changes synced to the main database (this run's, and those of earlier runs it caught up).
    public var synced: Int
    /// How the snapshot ended (see ``ExtractResult/end``).
    public var snapshotEnd: String?
    /// The newer run of the tenant already applied, so this run applied and synced nothing.
    public var supersededBy: String?
    /// Earlier runs of the tenant whose unsynced changes this run synced first.
    public var caughtUpRuns: [String]?

    /// Creates a result; `apply` and `sync` are nil for a run superseded before them.
    public init(tenant: Tenant, runID: String, extract: ExtractResult, cdc: CDCOutcome, apply: ApplyOutcome?, sync: SyncOutcome?,
                latest: Int? = nil) {
        organizationID = tenant.organizationID
        connectedIntegrationID = tenant.connectedIntegrationID
        self.runID = runID
        usersStaged = extract.usersStaged
        quarantined = extract.quarantined
        snapshotComplete = extract.snapshotComplete
        snapshotEnd = extract.end
        self.cdc = apply?.redetected ?? cdc
        applied = apply?.applied ?? 0
        self.latest = apply?.latest ?? latest ?? 0
        synced = sync?.synced ?? 0
        supersededBy = apply?.supersededBy ?? cdc.supersededBy
        caughtUpRuns = sync?.caughtUpRuns
    }

    enum CodingKeys: String, CodingKey {
        case organizationID = "organization_id", connectedIntegrationID = "connected_integration_id", runID = "run_id"
        case usersStaged = "users_staged", quarantined, snapshotComplete = "snapshot_complete", cdc, applied, latest, synced
        case snapshotEnd = "snapshot_end", supersededBy = "superseded_by", caughtUpRuns = "caught_up_runs"
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
    /// Staged rows beyond the first for the same user within a run (the dedup kept the last).
    public var duplicates: Int { pipelines.reduce(0) { $0 + $1.cdc.duplicates } }
    /// Pipelines superseded by a newer run of their tenant (they applied nothing).
    public var superseded: Int { pipelines.count { $0.supersededBy != nil } }
    /// Pipelines whose snapshot was not proven complete, so they inferred no deletes.
    public var incompleteSnapshots: Int { pipelines.count { !$0.snapshotComplete } }
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
