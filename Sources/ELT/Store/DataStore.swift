import Foundation
/// The application database (as DBOS calls it): the pipeline's tables — connected integrations,
/// `users_staging`, `users_cdc`, `users_latest`, `users_quarantine`, and the bookkeeping that
/// makes each stage exactly-once (`stage_completions`, `tenant_runs`).
///
/// Two implementations, chosen by one setting (`--data-database-url`, see
/// ``ELTConfiguration/dataDatabaseURL``): ``StoreActor`` owns a SQLite file under
/// `--data-path` (the embedded default), ``PostgresDataStore`` keeps the same tables in a
/// Postgres schema that several machines share. The workflows use only this protocol.
///
/// Every stage writes its rows and a completion record in one transaction, and a stage that
/// finds its completion returns the recorded outcome without writing again: a step replayed
/// after a crash between its commit and its journal checkpoint writes nothing twice. Every
/// read and write is scoped to one tenant (organization and connected integration).
public protocol DataStore: Sendable {
    /// `SQLite` or `Postgres`.
    var kind: String { get }
    /// Where the tables are: a file path, or a URL without its password.
    var location: String { get }
    /// The store's identity: a random id written once, when its tables are created, that every
    /// process opening the same store reads (``DataStoreStamp``).
    func identity() async throws -> String

    // MARK: Integrations

    /// Inserts the integrations that are not there yet; returns how many were new. (Adding one
    /// integration is this with one element: 0 means its id exists already.)
    @discardableResult
    func seedIntegrations(_ integrations: [ConnectedIntegration]) async throws -> Int
    /// Replaces the `provider_data` of the integration with `integration.id` (its organization
    /// and provider, which make its id, stay); false if there is no such integration.
    func updateIntegration(_ integration: ConnectedIntegration) async throws -> Bool
    /// Deletes the integration with id `id`; false if there is none. The rows already loaded
    /// for it (staging, CDC, latest, quarantine, runs) stay; no run processes it any more.
    func removeIntegration(id: String) async throws -> Bool
    /// Every connected integration, by organization, provider and id.
    func integrations() async throws -> [ConnectedIntegration]
    /// The integration with id `id`, if there is one.
    func integration(id: String) async throws -> ConnectedIntegration?
    /// At most `limit` integrations after `after` in the order of ``integrations()``
    /// (organization, provider, id; keyset paging), from the first when `after` is nil.
    func integrations(after: ConnectedIntegration?, limit: Int) async throws -> [ConnectedIntegration]

    // MARK: Stages

    /// Stages batch `batch` of run `runID` once: each page's users into `users_staging` (each
    /// occurrence keyed by page and position) and `quarantined` into `users_quarantine`, with
    /// the batch's completion, in one transaction. A batch already staged returns its recorded
    /// outcome and writes nothing. `simulateFailure` (the seed's failure simulation) fails the
    /// transaction after its inserts, so it rolls back.
    func stageBatch(
        runID: String, tenant: Tenant, batch: Int, pages: [StagedPage], quarantined: [QuarantinedRecord],
        simulateFailure: Bool
    ) async throws -> StagingOutcome

    /// Registers run `runID` of `tenant` and returns its start order among the tenant's runs
    /// (1 + the highest so far); registering again returns the same number.
    func registerRun(runID: String, tenant: Tenant) async throws -> Int

    /// Detects run `runID`'s changes against `users_latest` into `users_cdc`, once (see
    /// ``StoreActor/detectChanges(runID:tenant:snapshotComplete:sequence:maxDeleteFraction:)``
    /// for the rules: last occurrence wins, deletes only from a complete snapshot, quarantined
    /// users present, the mass-delete guard, superseded runs).
    func detectChanges(
        runID: String, tenant: Tenant, snapshotComplete: Bool, sequence: Int?, maxDeleteFraction: Double
    ) async throws -> CDCOutcome

    /// Applies run `runID`'s changes to `users_latest` once, in start order among the tenant's
    /// runs (see ``StoreActor/applyChanges(runID:tenant:sequence:maxDeleteFraction:)``).
    func applyChanges(runID: String, tenant: Tenant, sequence: Int?, maxDeleteFraction: Double) async throws -> ApplyOutcome

    /// The runs to sync for run `runID`: earlier applied, unsynced runs of the tenant in order,
    /// then `runID` itself (only `runID` without a sequence).
    func runsToSync(runID: String, tenant: Tenant, sequence: Int?) async throws -> [String]
    /// Records that run `runID`'s changes are in the sync target.
    func markSynced(runID: String, tenant: Tenant) async throws
    /// Runs of `tenant` applied to `users_latest` whose changes are not in the sync target yet.
    func unsyncedRuns(tenant: Tenant) async throws -> [String]
    /// Run `runID`'s changes in chunks of at most `chunkSize`, by user id: what a sync streams.
    func changeChunks(runID: String, tenant: Tenant, chunkSize: Int) -> any ChangeChunks

    // MARK: Reads

    /// Run `runID`'s changes for `tenant`, ordered by user id.
    func changes(runID: String, tenant: Tenant) async throws -> [UserChange]
    /// The rows of `table`, for one tenant or all, and one run or all (`users_latest` has no run).
    func count(_ table: DataTable, tenant: Tenant?, runID: String?) async throws -> Int
    /// The tenant's users in `users_latest`, ordered by id.
    func latestUsers(tenant: Tenant) async throws -> [SourceUser]
    /// The tenant's quarantined records (with the user id each names, if any), by run, page and position.
    func quarantined(tenant: Tenant) async throws -> [QuarantinedRecord]
    /// Staging rows beyond the first for one user at one page and position of a run: what a
    /// non-idempotent load would leave behind (0 here). For tests and benchmarks.
    func duplicateStagingRows() async throws -> Int

    /// Releases connections (Postgres); nothing for SQLite.
    func close() async
}

extension DataStore {
    /// Makes sure the first `count` seeded integrations (`org-001`, …) exist, inserting them
    /// 1,000 at a time so memory does not grow with `count`; returns how many were new.
    @discardableResult
    public func seedIntegrations(count: Int) async throws -> Int {
        var inserted = 0
        for start in stride(from: 0, to: count, by: 1_000) {
            inserted += try await seedIntegrations(ConnectedIntegration.seeded(range: start..<min(start + 1_000, count)))
        }
        return inserted
    }

    /// Stages `users` as one page numbered `batch` (tests and benchmarks).
    public func stageBatch(
        runID: String, tenant: Tenant, batch: Int, users: [SourceUser], quarantined: [QuarantinedRecord],
        simulateFailure: Bool = false
    ) async throws -> StagingOutcome {
        try await stageBatch(runID: runID, tenant: tenant, batch: batch, pages: [StagedPage(page: batch, users: users)],
                             quarantined: quarantined, simulateFailure: simulateFailure)
    }

    /// Stages batch `batch` without failure simulation.
    public func stageBatch(
        runID: String, tenant: Tenant, batch: Int, pages: [StagedPage], quarantined: [QuarantinedRecord]
    ) async throws -> StagingOutcome {
        try await stageBatch(runID: runID, tenant: tenant, batch: batch, pages: pages, quarantined: quarantined, simulateFailure: false)
    }

    /// Detects changes of a run without a sequence, with the default delete limit.
    public func detectChanges(runID: String, tenant: Tenant, snapshotComplete: Bool) async throws -> CDCOutcome {
        try await detectChanges(runID: runID, tenant: tenant, snapshotComplete: snapshotComplete, sequence: nil,
                                maxDeleteFraction: DataStoreDefaults.maxDeleteFraction)
    }

    /// Detects changes of a run without a sequence.
    public func detectChanges(
        runID: String, tenant: Tenant, snapshotComplete: Bool, maxDeleteFraction: Double
    ) async throws -> CDCOutcome {
        try await detectChanges(runID: runID, tenant: tenant, snapshotComplete: snapshotComplete, sequence: nil,
                                maxDeleteFraction: maxDeleteFraction)
    }

    /// Applies the changes of a run without a sequence.
    public func applyChanges(runID: String, tenant: Tenant) async throws -> ApplyOutcome {
        try await applyChanges(runID: runID, tenant: tenant, sequence: nil, maxDeleteFraction: DataStoreDefaults.maxDeleteFraction)
    }

    /// Counts rows of `table` across every tenant and run.
    public func count(_ table: DataTable) async throws -> Int {
        try await count(table, tenant: nil, runID: nil)
    }

    /// Counts rows of `table` for one tenant, across its runs.
    public func count(_ table: DataTable, tenant: Tenant) async throws -> Int {
        try await count(table, tenant: tenant, runID: nil)
    }

    /// A change reader with chunks of 1,000.
    public func changeChunks(runID: String, tenant: Tenant) -> any ChangeChunks {
        changeChunks(runID: runID, tenant: tenant, chunkSize: 1_000)
    }
}

/// Defaults shared by every data store.
public enum DataStoreDefaults {
    /// The share of a tenant's `users_latest` rows a run may delete before its deletes are
    /// withheld: 20 %.
    public static let maxDeleteFraction = 0.2
}

/// Which data store a run writes to: recorded in a run's input, so that a process whose data
/// store is another one (a server started with other `--data-*` options on a shared journal)
/// refuses the run's workflows instead of loading them into its own tables.
public struct DataStoreStamp: Codable, Sendable, Equatable {
    /// ``DataStore/identity()``.
    public var id: String
    /// Where the store is, for messages (`SQLite /path/data.sqlite`, `Postgres host/db (schema s)`).
    public var location: String

    /// Creates a stamp.
    public init(id: String, location: String) {
        self.id = id
        self.location = location
    }

    /// The stamp of `store`.
    public static func of(_ store: any DataStore) async throws -> DataStoreStamp {
        DataStoreStamp(id: try await store.identity(), location: shown(kind: store.kind, location: store.location))
    }

    /// The stamp of sync target `target` (its ``SyncTarget/identity()`` and location).
    public static func of(_ target: any SyncTarget) async throws -> DataStoreStamp {
        DataStoreStamp(id: try await target.identity(), location: shown(kind: target.kind, location: target.location))
    }

    /// `kind location`; a file's path made absolute and its host named (`SQLite
    /// /srv/elt/.elt/data.sqlite on host-a`): a message read on another machine must say which.
    static func shown(kind: String, location: String) -> String {
        guard kind == "SQLite" else { return "\(kind) \(location)" }
        let absolute = URL(fileURLWithPath: location).standardizedFileURL.path
        return "\(kind) \(absolute) on \(ProcessInfo.processInfo.hostName)"
    }
}
