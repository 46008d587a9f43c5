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

    /// Creates an outcome.
    public init(inserts: Int, updates: Int, deletes: Int) {
        self.inserts = inserts
        self.updates = updates
        self.deletes = deletes
    }

    /// All changes.
    public var total: Int { inserts + updates + deletes }

    enum CodingKeys: String, CodingKey {
        case inserts, updates, deletes
    }
}

/// What applying one run's changes did to `users_latest`.
public struct ApplyOutcome: Codable, Sendable, Equatable {
    /// Changes applied (upserts and deletes).
    public var applied: Int
    /// The tenant's rows in `users_latest` afterwards.
    public var latest: Int

    /// Creates an outcome.
    public init(applied: Int, latest: Int) {
        self.applied = applied
        self.latest = latest
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

    /// Creates an outcome.
    public init(upserts: Int, deletes: Int, alreadyApplied: Bool) {
        self.upserts = upserts
        self.deletes = deletes
        self.alreadyApplied = alreadyApplied
    }

    /// Changes synced.
    public var synced: Int { upserts + deletes }

    enum CodingKeys: String, CodingKey {
        case upserts, deletes
        case alreadyApplied = "already_applied"
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

    /// Creates a quarantined record.
    public init(page: Int, position: Int, rawJSON: String, reason: String) {
        self.page = page
        self.position = position
        self.rawJSON = rawJSON
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case page, position
        case rawJSON = "raw_json"
        case reason
    }
}
