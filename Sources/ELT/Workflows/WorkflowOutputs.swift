import DurableRuntime

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

/// Output of `root_orchestration_workflow`: the totals over every integration, and the notes a
/// user must read. It holds no per-tenant list, so its size does not grow with the number of
/// tenants: each tenant's result is its `elt_pipeline_workflow`'s output in the journal (list
/// the root's children).
public struct RootResult: Codable, Sendable, Equatable {
    /// Integrations processed.
    public var integrations: Int = 0
    /// Users staged.
    public var usersStaged: Int = 0
    /// Inserts detected.
    public var cdcInserts: Int = 0
    /// Updates detected.
    public var cdcUpdates: Int = 0
    /// Deletes detected.
    public var cdcDeletes: Int = 0
    /// Changes applied to `users_latest`.
    public var applied: Int = 0
    /// Rows in `users_latest` over the processed tenants.
    public var latest: Int = 0
    /// Changes synced to the main database.
    public var synced: Int = 0
    /// Records quarantined.
    public var quarantined: Int = 0
    /// Staged rows beyond the first for the same user within a run (the dedup kept the last).
    public var duplicates: Int = 0
    /// Pipelines superseded by a newer run of their tenant (they applied nothing).
    public var superseded: Int = 0
    /// Pipelines whose snapshot was not proven complete, so they inferred no deletes.
    public var incompleteSnapshots: Int = 0
    /// What a user must know about single tenants (a superseded run, a snapshot that proved
    /// nothing about deletes, earlier runs synced late): at most ``maximumNotes`` lines.
    public var notes: [String] = []
    /// Notes beyond the first ``maximumNotes``, counted only.
    public var notesOmitted: Int = 0

    /// The most notes a result keeps.
    public static let maximumNotes = 20

    /// An empty total.
    public init() {}

    /// The totals of `pipelines`.
    public init(pipelines: [PipelineResult]) {
        for pipeline in pipelines { add(pipeline) }
    }

    /// Adds one pipeline's result to the totals.
    public mutating func add(_ pipeline: PipelineResult) {
        integrations += 1
        usersStaged += pipeline.usersStaged
        cdcInserts += pipeline.cdc.inserts
        cdcUpdates += pipeline.cdc.updates
        cdcDeletes += pipeline.cdc.deletes
        applied += pipeline.applied
        latest += pipeline.latest
        synced += pipeline.synced
        quarantined += pipeline.quarantined
        duplicates += pipeline.cdc.duplicates
        if pipeline.supersededBy != nil { superseded += 1 }
        if !pipeline.snapshotComplete { incompleteSnapshots += 1 }
        for note in Self.notes(pipeline) {
            if notes.count < Self.maximumNotes { notes.append(note) } else { notesOmitted += 1 }
        }
    }

    /// The notes one pipeline's result calls for.
    static func notes(_ pipeline: PipelineResult) -> [String] {
        let tenant = "\(pipeline.organizationID) \(pipeline.connectedIntegrationID)"
        var lines: [String] = []
        if let newer = pipeline.supersededBy {
            lines.append("\(tenant): run \(pipeline.runID) was superseded by the newer run \(newer); its changes were not applied")
        } else if !pipeline.snapshotComplete {
            lines.append("\(tenant): the snapshot was not proven complete (\(pipeline.snapshotEnd ?? "?")), so no deletes were inferred")
        } else if let reason = pipeline.cdc.deletesNotInferred {
            lines.append("\(tenant): no deletes were inferred: \(reason)")
        }
        if let runs = pipeline.caughtUpRuns {
            lines.append("\(tenant): also synced earlier unsynced run(s) \(runs.joined(separator: ", "))")
        }
        return lines
    }

    enum CodingKeys: String, CodingKey {
        case integrations, usersStaged = "users_staged", cdcInserts = "cdc_inserts", cdcUpdates = "cdc_updates"
        case cdcDeletes = "cdc_deletes", applied, latest, synced, quarantined, duplicates, superseded
        case incompleteSnapshots = "incomplete_snapshots", notes, notesOmitted = "notes_omitted"
        /// Results recorded before the root paged its integrations held every pipeline's result.
        case pipelines
    }

    /// Decodes a result, including one recorded by an earlier version (with `pipelines`, whose
    /// totals are then derived from them).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let pipelines = try container.decodeIfPresent([PipelineResult].self, forKey: .pipelines),
           !container.contains(.duplicates) {
            self.init(pipelines: pipelines)
            return
        }
        self.init()
        integrations = try container.decode(Int.self, forKey: .integrations)
        usersStaged = try container.decode(Int.self, forKey: .usersStaged)
        cdcInserts = try container.decode(Int.self, forKey: .cdcInserts)
        cdcUpdates = try container.decode(Int.self, forKey: .cdcUpdates)
        cdcDeletes = try container.decode(Int.self, forKey: .cdcDeletes)
        applied = try container.decode(Int.self, forKey: .applied)
        latest = try container.decode(Int.self, forKey: .latest)
        synced = try container.decode(Int.self, forKey: .synced)
        quarantined = try container.decode(Int.self, forKey: .quarantined)
        duplicates = try container.decodeIfPresent(Int.self, forKey: .duplicates) ?? 0
        superseded = try container.decodeIfPresent(Int.self, forKey: .superseded) ?? 0
        incompleteSnapshots = try container.decodeIfPresent(Int.self, forKey: .incompleteSnapshots) ?? 0
        notes = try container.decodeIfPresent([String].self, forKey: .notes) ?? []
        notesOmitted = try container.decodeIfPresent(Int.self, forKey: .notesOmitted) ?? 0
    }

    /// Encodes the totals and notes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(integrations, forKey: .integrations)
        try container.encode(usersStaged, forKey: .usersStaged)
        try container.encode(cdcInserts, forKey: .cdcInserts)
        try container.encode(cdcUpdates, forKey: .cdcUpdates)
        try container.encode(cdcDeletes, forKey: .cdcDeletes)
        try container.encode(applied, forKey: .applied)
        try container.encode(latest, forKey: .latest)
        try container.encode(synced, forKey: .synced)
        try container.encode(quarantined, forKey: .quarantined)
        try container.encode(duplicates, forKey: .duplicates)
        try container.encode(superseded, forKey: .superseded)
        try container.encode(incompleteSnapshots, forKey: .incompleteSnapshots)
        try container.encode(notes, forKey: .notes)
        try container.encode(notesOmitted, forKey: .notesOmitted)
    }
}

/// A page is the bulk of what a pipeline checkpoints: it writes its own journal JSON, the text
/// `JSONEncoder` would write (pinned by `JournalJSONTextTests`).
extension FetchedPage: JournalJSONWritable {
    public func write(to json: inout JournalJSONWriter) {
        json.beginObject()
        json.member("has_more", hasMore)
        json.member("missing", missing)
        json.member("page", page)
        json.member("rejected", rejected)
        json.member("users", users)
        json.endObject()
    }
}
