import BenchmarkSupport
import DurableRuntime
import ELT
import ELTApp
import Foundation
import Logging

/// One `elt-bench` measurement: the pipeline for N integrations on fresh databases, then the
/// journal's size and the raw database references, then clean-up.
struct ELTBenchmark {
    var integrations: Int
    var systemDatabaseURL: String?
    var syncDatabaseURL: String?
    var dataDatabaseURL: String?
    var seedFailures: Bool
    var sourceLatency: Duration
    var dataPath: String?
    var usersPerIntegration = 1_000
    var input = RootInput()

    /// Rows of the raw SQLite insert reference, and how many go in one transaction.
    static let rawSQLiteRows = 200_000
    static let rawSQLiteRowsPerTransaction = 1_000
    /// INSERT+COMMITs of the raw Postgres and SQLite references.
    static let rawPostgresCommits = 1_000
    /// Rows of the raw Postgres bulk-insert measure, and rows per statement (as the data store's
    /// staging and the sync target's chunks).
    static let rawPostgresRows = 20_000
    static let rawPostgresRowsPerStatement = 1_000
    static let rawSQLiteCommits = 1_000

    /// Measures, cleans up (also after a failure) and reports.
    func run() async throws -> BenchReport {
        let workspace = try BenchWorkspace(
            dataPath: dataPath, systemDatabaseURL: systemDatabaseURL, syncDatabaseURL: syncDatabaseURL, dataDatabaseURL: dataDatabaseURL)
        let report: BenchReport
        do {
            report = try await measure(in: workspace)
        } catch {
            do {
                try await workspace.tearDown()
            } catch let cleanup {
                // Usually the same cause (an unreachable server); said after the error that matters.
                throw BenchError("\(error)\nnote: \(cleanup)")
            }
            throw error
        }
        try await workspace.tearDown()
        return report
    }

    private func measure(in workspace: BenchWorkspace) async throws -> BenchReport {
        let configuration = ELTConfiguration(
            dataPath: workspace.dataPath, systemDatabaseURL: systemDatabaseURL, syncDatabaseURL: syncDatabaseURL,
            dataDatabaseURL: dataDatabaseURL, dataSchema: workspace.dataSchema?.name ?? "public",
            syncSchema: workspace.syncSchema?.name ?? "public", journalSchema: workspace.journalSchema?.name ?? "durable",
            integrations: integrations, seedFailures: seedFailures, sourceLatency: sourceLatency,
            usersPerIntegration: usersPerIntegration, executorID: "elt-bench", environment: [:], logger: Logger(label: "elt"))

        // What a process that is already up has done: create the journal's tables. ELTRunner's
        // clock then covers only opening the journal again (pool connect, version check, empty
        // recovery scan), the root workflow and the restarts it needs.
        try await openJournal(configuration)
        let tally = CommitTally(batchName: ExtractAndLoadBatchWorkflow.name)
        var runner = ELTRunner(configuration: configuration)
        runner.interceptors = [tally]
        let outcome = try await runner.run(input: input)
        let peak = PeakMemory.residentMegabytes()

        let counts: JournalCounts
        if let url = systemDatabaseURL, let schema = workspace.journalSchema {
            counts = try await JournalCounts.postgres(url: url, schema: schema.name)
        } else {
            counts = try JournalCounts.sqlite(path: workspace.file("system.sqlite"))
        }

        let rawFile = workspace.file("raw-insert.sqlite")
        let rawRows = try RawSQLite.insertRowsPerSecond(
            path: rawFile, rows: Self.rawSQLiteRows, rowsPerTransaction: Self.rawSQLiteRowsPerTransaction)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: rawFile + suffix) }
        var rawCommit: Double?
        if let url = systemDatabaseURL ?? dataDatabaseURL ?? syncDatabaseURL {
            rawCommit = try await RawPostgres.commitLatencyMicroseconds(url: url, count: Self.rawPostgresCommits)
        }
        let rawSQLiteCommit = try RawSQLite.commitLatencyMicroseconds(path: rawFile, count: Self.rawSQLiteCommits)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: rawFile + suffix) }
        var rawPostgresRows: Double?
        if let url = systemDatabaseURL ?? dataDatabaseURL ?? syncDatabaseURL {
            rawPostgresRows = try await RawPostgres.insertRowsPerSecond(
                url: url, rows: Self.rawPostgresRows, rowsPerStatement: Self.rawPostgresRowsPerStatement)
        }
        let journalCommit = systemDatabaseURL == nil ? rawSQLiteCommit : rawCommit ?? rawSQLiteCommit
        let result = outcome.result
        // Rows by where they live: the journal's, the data tables' (staging, CDC, latest), the sync target's.
        let placed = [
            (counts.workflows + counts.steps, systemDatabaseURL != nil),
            (result.usersStaged + result.cdcInserts + result.cdcUpdates + result.cdcDeletes + result.latest, dataDatabaseURL != nil),
            (result.synced, syncDatabaseURL != nil),
        ]
        let committed = tally.counts
        let limit = PhysicalLimit(
            commits: committed.commits, commitMicroseconds: journalCommit,
            rows: placed.filter { !$0.1 }.reduce(0) { $0 + $1.0 }, rowsPerSecond: rawRows,
            postgresRows: placed.filter(\.1).reduce(0) { $0 + $1.0 }, postgresRowsPerSecond: rawPostgresRows,
            users: result.usersStaged)

        return BenchReport(
            integrations: outcome.result.integrations, users: outcome.result.usersStaged,
            latest: outcome.result.latest, synced: outcome.result.synced, seconds: outcome.seconds,
            peakRSSMegabytes: peak, steps: counts.steps, workflows: counts.workflows,
            journal: systemDatabaseURL == nil ? "sqlite" : "postgres", data: dataDatabaseURL == nil ? "sqlite" : "postgres",
            sync: syncDatabaseURL == nil ? "sqlite" : "postgres",
            rawSQLiteRowsPerSecond: rawRows, rawPostgresCommitMicroseconds: rawCommit, rawSQLiteCommitMicroseconds: rawSQLiteCommit,
            rawPostgresRowsPerSecond: rawPostgresRows,
            commits: committed.commits, batches: committed.batches, physicalLimit: limit)
    }

    /// Migrates the fresh journal with a client, which runs nothing.
    private func openJournal(_ configuration: ELTConfiguration) async throws {
        try await ELTClient(configuration: configuration).withClient { _ in }
    }
}
