import DurableRuntime

/// What one `insert_users_to_staging` step wrote.
public struct StagingOutcome: Codable, Sendable, Equatable {
    /// Users inserted into `users_staging`.
    public var staged: Int
    /// Records put into `users_quarantine`.
    public var quarantined: Int

    /// Creates an outcome.
    public init(staged: Int, quarantined: Int) {
        self.staged = staged
        self.quarantined = quarantined
    }
}

/// What one CDC detection wrote into `users_cdc`.
public struct CDCOutcome: Codable, Sendable, Equatable {
    /// New users.
    public var inserts: Int
    /// Users whose name or email changed.
    public var updates: Int
    /// Users gone from a complete snapshot.
    public var deletes: Int
    /// Staging rows beyond the first for the same user in this run (the dedup kept the last).
    public var duplicates: Int
    /// Deletes detected but not recorded because they exceeded the run's mass-delete limit.
    public var withheldDeletes: Int
    /// The tenant's rows in `users_latest` when the changes were detected.
    public var latestBefore: Int
    /// Why no deletes were inferred although the snapshot was complete (nil: they were, or it
    /// was not complete).
    public var deletesNotInferred: String?
    /// The newer run of the same tenant that had already been applied, so this run detected
    /// nothing (nil: not superseded).
    public var supersededBy: String?
    /// The tenant's last applied run sequence the changes were detected against.
    public var baseSequence: Int?
    /// Whether the snapshot was complete (deletes could be inferred).
    public var snapshotComplete: Bool

    /// Creates an outcome.
    public init(inserts: Int, updates: Int, deletes: Int, duplicates: Int = 0, withheldDeletes: Int = 0, latestBefore: Int = 0,
                deletesNotInferred: String? = nil, supersededBy: String? = nil, baseSequence: Int? = nil, snapshotComplete: Bool = false) {
        self.inserts = inserts
        self.updates = updates
        self.deletes = deletes
        self.duplicates = duplicates
        self.withheldDeletes = withheldDeletes
        self.latestBefore = latestBefore
        self.deletesNotInferred = deletesNotInferred
        self.supersededBy = supersededBy
        self.baseSequence = baseSequence
        self.snapshotComplete = snapshotComplete
    }

    /// An outcome of a run superseded by `newer`: nothing detected.
    package static func superseded(by newer: String) -> CDCOutcome {
        CDCOutcome(inserts: 0, updates: 0, deletes: 0, supersededBy: newer)
    }

    /// All changes.
    public var total: Int { inserts + updates + deletes }

    /// Decodes an outcome; fields added after version 1 default when absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        inserts = try container.decode(Int.self, forKey: .inserts)
        updates = try container.decode(Int.self, forKey: .updates)
        deletes = try container.decode(Int.self, forKey: .deletes)
        duplicates = try container.decodeIfPresent(Int.self, forKey: .duplicates) ?? 0
        withheldDeletes = try container.decodeIfPresent(Int.self, forKey: .withheldDeletes) ?? 0
        latestBefore = try container.decodeIfPresent(Int.self, forKey: .latestBefore) ?? 0
        deletesNotInferred = try container.decodeIfPresent(String.self, forKey: .deletesNotInferred)
        supersededBy = try container.decodeIfPresent(String.self, forKey: .supersededBy)
        baseSequence = try container.decodeIfPresent(Int.self, forKey: .baseSequence)
        snapshotComplete = try container.decodeIfPresent(Bool.self, forKey: .snapshotComplete) ?? false
    }

    enum CodingKeys: String, CodingKey {
        case inserts, updates, deletes, duplicates, withheldDeletes = "withheld_deletes", latestBefore = "latest_before"
        case deletesNotInferred = "deletes_not_inferred", supersededBy = "superseded_by", baseSequence = "base_sequence"
        case snapshotComplete = "snapshot_complete"
    }
}

/// What applying one run's changes did to `users_latest`.
public struct ApplyOutcome: Codable, Sendable, Equatable {
    /// Changes applied (upserts and deletes).
    public var applied: Int
    /// The tenant's rows in `users_latest` afterwards.
    public var latest: Int
    /// The newer run of the tenant already applied, so this one applied nothing (nil: applied).
    public var supersededBy: String?
    /// The changes detected again at apply time, because an older run of the tenant was applied
    /// after this run's detection (nil: the detection stood).
    public var redetected: CDCOutcome?

    /// Creates an outcome.
    public init(applied: Int, latest: Int, supersededBy: String? = nil, redetected: CDCOutcome? = nil) {
        self.applied = applied
        self.latest = latest
        self.supersededBy = supersededBy
        self.redetected = redetected
    }

    enum CodingKeys: String, CodingKey {
        case applied, latest, supersededBy = "superseded_by", redetected
    }
}

/// What one sync of a run's changes did to the sync target.
public struct SyncOutcome: Codable, Sendable, Equatable {
    /// Users inserted or updated in the target.
    public var upserts: Int
    /// Users deleted from the target.
    public var deletes: Int
    /// True when the target had already recorded this run, so nothing was written again.
    public var alreadyApplied: Bool
    /// Earlier runs of the tenant, applied but not yet synced, that this sync synced first.
    public var caughtUpRuns: [String]?

    /// Creates an outcome.
    public init(upserts: Int, deletes: Int, alreadyApplied: Bool, caughtUpRuns: [String]? = nil) {
        self.upserts = upserts
        self.deletes = deletes
        self.alreadyApplied = alreadyApplied
        self.caughtUpRuns = caughtUpRuns
    }

    /// Changes synced.
    public var synced: Int { upserts + deletes }

    enum CodingKeys: String, CodingKey {
        case upserts, deletes
        case alreadyApplied = "already_applied", caughtUpRuns = "caught_up_runs"
    }
}

/// A record the validator rejected, where it came from, and why.
public struct QuarantinedRecord: Codable, Sendable, Equatable {
    /// The source page (from 0) it came in.
    public var page: Int
    /// Its position (from 0) in that page.
    public var position: Int
    /// The record as compact JSON.
    public var rawJSON: String
    /// Every problem found.
    public var reason: String
    /// The user the record is about, if its `id` was usable (see ``RejectedRecord/userID``).
    public var userID: String?

    /// Creates a quarantined record.
    public init(page: Int, position: Int, rawJSON: String, reason: String, userID: String? = nil) {
        self.page = page
        self.position = position
        self.rawJSON = rawJSON
        self.reason = reason
        self.userID = userID
    }

    enum CodingKeys: String, CodingKey {
        case page, position
        case rawJSON = "raw_json"
        case reason
        case userID = "user_id"
    }
}

extension QuarantinedRecord: JournalJSONWritable {
    public func write(to json: inout JournalJSONWriter) {
        json.beginObject()
        json.member("page", page)
        json.member("position", position)
        json.member("raw_json", rawJSON)
        json.member("reason", reason)
        json.member("user_id", userID)
        json.endObject()
    }
}
