import DurableRuntime
import Foundation
import ELT
import ELTPostgres
import ELTSQLite
import JournalPostgres
import JournalSQLite
import PostgresSupport
import Logging

/// Where the pipeline keeps its databases and how it runs, from flags and environment.
///
/// With nothing configured everything is embedded under `./.elt/`: the data database
/// (`data.sqlite`), the journal (`system.sqlite`) and the sync target (`main.sqlite`).
public struct ELTConfiguration: Sendable {
    /// The directory of the data database (and of the embedded journal and sync target).
    public var dataPath: String
    /// The journal: a `postgres://` URL, or nil for `<dataPath>/system.sqlite`.
    public var systemDatabaseURL: String?
    /// The sync target: a `postgres://` URL, or nil for `<dataPath>/main.sqlite`.
    public var syncDatabaseURL: String?
    /// The data store (the application database): a `postgres://` URL, or nil for
    /// `<dataPath>/data.sqlite`. Machines that share work must share it.
    public var dataDatabaseURL: String?
    /// The schema of the data tables on Postgres (`public` by default).
    public var dataSchema: String
    /// The schema of the sync target's tables on Postgres.
    public var syncSchema: String
    /// The schema of the journal's tables on Postgres (`durable` by default).
    public var journalSchema: String
    /// How many demo integrations (`org-001`, …) to seed into a data database that has no
    /// integration, when the source is the generator (`elt run`) or at start (`elt-server`).
    public var integrations: Int
    /// Whether the seed's failure rates are on.
    public var seedFailures: Bool
    /// A pause before every source page.
    public var sourceLatency: Duration
    /// The generator's snapshot-0 population per integration (the seed's 1,000).
    public var usersPerIntegration: Int
    /// How the generator's users change from one snapshot to the next (``defaultChurn`` unless
    /// set); snapshot 0 is the base population whatever the churn.
    public var churn: ChurnModel
    /// How long a sync waits out an unreachable sync target.
    public var syncRetry: SyncRetryPolicy
    /// This process's executor id in the journal.
    public var executorID: String
    /// The executor's lease (see ``RuntimeConfiguration/executorLease``): 30 s by default; nil
    /// turns leases and automatic takeover off.
    public var executorLease: Duration? = .seconds(30)
    /// Where logs go.
    public var logger: Logger
    /// Rebind the journal to this process's data store and sync target (`--rebind-stores`):
    /// the fleet moved to them for good. Off: a process with others does not start.
    public var rebindStores = false

    /// The default directory: `.elt` in the working directory.
    public static let defaultDataPath = ".elt"

    /// The generator's churn unless configured otherwise: per snapshot after 0, 5 % of the base
    /// population is new, 10 % of the users alive get a changed name or email and 2 % are
    /// deleted (under the 20 % mass-delete guard), so `--snapshot 1` shows every kind of change.
    public static let defaultChurn = ChurnModel(insertRate: 0.05, updateRate: 0.1, deleteRate: 0.02)

    /// Creates a configuration; `nil` values fall back to the environment, then to the defaults.
    ///
    /// Environment: `ELT_DATA_PATH`, `ELT_SYSTEM_DATABASE_URL` (falling back to
    /// `DBOS_DATABASE_URL`), `ELT_SYNC_DATABASE_URL`, `ELT_DATA_DATABASE_URL`. An empty value
    /// counts as unset.
    public init(
        dataPath: String? = nil, systemDatabaseURL: String? = nil, syncDatabaseURL: String? = nil,
        dataDatabaseURL: String? = nil, dataSchema: String = "public",
        syncSchema: String = "public", journalSchema: String = "durable",
        integrations: Int = 2, seedFailures: Bool = false, sourceLatency: Duration = .zero,
        usersPerIntegration: Int = UserGenerator.defaultBaseCount, churn: ChurnModel? = nil, syncRetry: SyncRetryPolicy = .default,
        executorID: String = "local", environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "elt")
    ) {
        func value(_ explicit: String?, _ names: String...) -> String? {
            if let explicit, !explicit.isEmpty { return explicit }
            return names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
        self.dataPath = value(dataPath, "ELT_DATA_PATH") ?? Self.defaultDataPath
        self.systemDatabaseURL = value(systemDatabaseURL, "ELT_SYSTEM_DATABASE_URL", "DBOS_DATABASE_URL")
        self.syncDatabaseURL = value(syncDatabaseURL, "ELT_SYNC_DATABASE_URL")
        self.dataDatabaseURL = value(dataDatabaseURL, "ELT_DATA_DATABASE_URL")
        self.dataSchema = dataSchema
        self.syncSchema = syncSchema
        self.journalSchema = journalSchema
        self.integrations = integrations
        self.seedFailures = seedFailures
        self.sourceLatency = sourceLatency
        self.usersPerIntegration = usersPerIntegration
        self.churn = churn ?? Self.defaultChurn
        self.syncRetry = syncRetry
        self.executorID = executorID
        self.logger = logger
    }

    /// The embedded data database file (used when no ``dataDatabaseURL`` is set).
    public var dataDatabasePath: String { (dataPath as NSString).appendingPathComponent("data.sqlite") }

    /// Where the data store is, without credentials.
    public var dataLocation: String {
        guard let url = dataDatabaseURL else { return "SQLite " + dataDatabasePath }
        return "Postgres " + ((try? PostgresJournal.redacted(url: url)) ?? "(invalid Postgres URL)") + " (schema \(dataSchema))"
    }

    /// Opens the data store (Postgres if a URL is set, else the embedded SQLite file) and
    /// creates or migrates its tables.
    public func makeDataStore() async throws -> any DataStore {
        if let url = dataDatabaseURL {
            return try await PostgresDataStore.open(url: url, schema: dataSchema, logger: logger)
        }
        return try StoreActor(path: dataDatabasePath)
    }

    /// A new journal backend (Postgres if a URL is set, else the embedded SQLite file). A
    /// Postgres backend runs once; make a new one for each runtime.
    public func makeJournal() throws -> any JournalBackend {
        if let url = systemDatabaseURL {
            return try PostgresJournal(url: url, schema: journalSchema, logger: logger)
        }
        return try SQLiteJournal(path: (dataPath as NSString).appendingPathComponent("system.sqlite"))
    }

    /// Where the journal is, without credentials.
    public var journalLocation: String {
        guard let url = systemDatabaseURL else { return (dataPath as NSString).appendingPathComponent("system.sqlite") }
        return ((try? PostgresJournal.redacted(url: url)) ?? "(invalid Postgres URL)") + " (schema \(journalSchema))"
    }

    /// Where the sync target is, without credentials.
    public var syncLocation: String {
        guard let url = syncDatabaseURL else { return "SQLite " + (dataPath as NSString).appendingPathComponent("main.sqlite") }
        return "Postgres " + ((try? PostgresJournal.redacted(url: url)) ?? "(invalid Postgres URL)") + " (schema \(syncSchema))"
    }

    /// The sync target (Postgres if a URL is set, else the embedded SQLite file).
    public func makeSyncTarget() throws -> any SyncTarget {
        if let url = syncDatabaseURL {
            return try PostgresSyncTarget(url: url, schema: syncSchema, logger: logger)
        }
        return try SQLiteSyncTarget(path: (dataPath as NSString).appendingPathComponent("main.sqlite"))
    }

    /// The generator source this configuration describes: `usersPerIntegration` users, the
    /// churn, the latency.
    public func makeGeneratorSource() -> GeneratorUserSource {
        GeneratorUserSource(churn: churn, baseCount: usersPerIntegration, latency: sourceLatency)
    }

    /// The failure simulation this configuration asks for.
    public func makeFailureSimulation() -> FailureSimulation {
        seedFailures ? .seedRates(seed: UInt64.random(in: 0...UInt64.max)) : .none
    }

    /// The worker runtime's configuration: this executor, its lease, the pipeline's queues.
    public func runtimeConfiguration() -> RuntimeConfiguration {
        RuntimeConfiguration(
            executorID: executorID, queues: ELTManagement.queues, logger: logger,
            executorLease: executorLease, applicationVersion: ELTVersion.current)
    }
}
