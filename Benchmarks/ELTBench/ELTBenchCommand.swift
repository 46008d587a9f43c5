import ArgumentParser
import ELT
import ELTApp
import CProcessTuning
import Foundation
import JournalPostgres
import Logging

/// `elt-bench`: runs the whole pipeline for N integrations on fresh databases and prints one
/// JSON line with its throughput, peak memory, journal size and the raw database references.
@main
struct ELTBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "elt-bench",
        abstract: "Run root_orchestration_workflow once for N integrations on fresh databases; print one JSON line.",
        discussion: """
            Fields: integrations, users (staged), latest and synced (users_latest rows and changes synced: equal to users on fresh databases), seconds (root workflow start to result; seeding and start-up \
            excluded), users_per_s, peak_rss_mb (VmHWM), steps and workflows (journal rows after the run), \
            journal, data and sync (sqlite|postgres: where each lives), raw_sqlite_rows_per_s (prepared INSERTs, 1,000 per transaction, \
            same disk and pragmas), raw_pg_commit_us (median INSERT+COMMIT on the Postgres given, else null), raw_sqlite_commit_us \
            (median single-row INSERT+COMMIT in SQLite), raw_pg_rows_per_s (INSERT … SELECT FROM unnest, 1,000 rows per \
            statement and commit, into a table keyed by a random text id; null without Postgres), journal_commits (the \
            journal's group commits), batches (extract_and_load_batch_workflow runs), commits_per_batch, \
            physical_limit_users_per_s (the users/s the storage alone would allow: the journal commits one after another at \
            the raw commit latency, plus every row the run wrote at the raw bulk rate of the database it lives in), and \
            physical_ratio (users_per_s over that limit).
            Every run uses fresh databases: a temporary data directory (deleted afterwards) or an empty \
            --data-path (kept), and on Postgres a new random schema for the journal, the data tables and the sync target \
            (dropped afterwards). Only flags are read, never ELT_* environment variables.
            """)

    @Option(parsing: .unconditional, help: "Connected integrations to seed and process (org-001, org-002, …).")
    var integrations: Int

    @Option(help: "The journal: a postgres:// URL (a fresh schema is used, then dropped). Default: SQLite in the data directory.")
    var systemDatabaseURL: String?

    @Option(help: "The sync target: a postgres:// URL (a fresh schema is used, then dropped). Default: SQLite in the data directory.")
    var syncDatabaseURL: String?

    @Option(help: "The data store (staging, CDC, latest): a postgres:// URL (a fresh schema is used, then dropped). Default: SQLite in the data directory.")
    var dataDatabaseURL: String?

    @Flag(help: "Turn on the seed's failure rates: API 2 %, database 40 %, out-of-memory kill 5 % after batch 5.")
    var seedFailures = false

    @Option(parsing: .unconditional, help: "Milliseconds every source page takes (imitates a remote API).")
    var sourceLatencyMs = 0

    @Option(parsing: .unconditional, help: "Users per integration in snapshot 0 (the generator's base population).")
    var usersPerIntegration = 1_000

    @Option(parsing: .unconditional, help: "Batches per integration (default 10); raise it with --users-per-integration, since a run reads at most num_batches × batch_size × page_size users.")
    var numBatches: Int?

    @Option(parsing: .unconditional, help: "Pages per batch (default 10).")
    var batchSize: Int?

    @Option(parsing: .unconditional, help: "Users per page (default 10).")
    var pageSize: Int?

    @Option(help: "An empty (or new) directory for the data database and the SQLite files; kept afterwards. Default: a temporary directory, deleted afterwards.")
    var dataPath: String?

    func validate() throws {
        guard integrations >= 1 else { throw ValidationError("--integrations must be 1 or more, got \(integrations)") }
        guard sourceLatencyMs >= 0 else { throw ValidationError("--source-latency-ms must be 0 or more, got \(sourceLatencyMs)") }
        guard usersPerIntegration >= 0 else { throw ValidationError("--users-per-integration must be 0 or more, got \(usersPerIntegration)") }
        for (option, value) in [("--num-batches", numBatches), ("--batch-size", batchSize), ("--page-size", pageSize)] {
            if let value, value < 1 { throw ValidationError("\(option) must be 1 or more, got \(value)") }
        }
        for (option, url) in [("--system-database-url", systemDatabaseURL), ("--sync-database-url", syncDatabaseURL),
                              ("--data-database-url", dataDatabaseURL)] {
            guard let url else { continue }
            do {
                _ = try PostgresJournal.redacted(url: url)
            } catch {
                throw ValidationError("\(option): \(error)")
            }
        }
        if let dataPath {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dataPath, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw ValidationError("--data-path \(dataPath) is a file; give an empty or new directory")
                }
                let contents = (try? FileManager.default.contentsOfDirectory(atPath: dataPath)) ?? []
                guard contents.isEmpty else {
                    throw ValidationError("--data-path \(dataPath) is not empty (\(contents.count) entries); elt-bench needs fresh databases, so give an empty or new directory")
                }
            }
        }
    }

    func run() async throws {
        _ = process_tuning_malloc_arenas_limited()  // keeps the malloc arena cap linked in (see its header)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        let benchmark = ELTBenchmark(
            integrations: integrations, systemDatabaseURL: systemDatabaseURL, syncDatabaseURL: syncDatabaseURL,
            dataDatabaseURL: dataDatabaseURL, seedFailures: seedFailures, sourceLatency: .milliseconds(sourceLatencyMs), dataPath: dataPath,
            usersPerIntegration: usersPerIntegration,
            input: RootInput(numBatches: numBatches, batchSize: batchSize, pageSize: pageSize))
        do {
            let report = try await benchmark.run()
            print(report.line)
        } catch {
            FileHandle.standardError.write(Data("elt-bench: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
