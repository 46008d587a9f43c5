import ArgumentParser
import CProcessTuning
import DurableRuntime
import ELT
import ELTApp
import Foundation
import Logging
import Synchronization
import UnixSignals

/// `elt run`: runs the whole pipeline once, in this process, and prints the results.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run root_orchestration_workflow once (every integration, all four stages) and print the results.")

    @Flag(help: "Print one JSON line instead of the result block.")
    var json = false

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Demo integrations (org-001, org-002, …) to seed when the data database has none and the source is the generator.",
        discussion: "Every integration in the data database is processed. Add your own with elt integrations add; a database that has any integration is never seeded."))
    var integrations = 2

    @Option(help: ArgumentHelp("The journal: a postgres:// URL. Default: <data-path>/system.sqlite.",
                               discussion: "Environment: ELT_SYSTEM_DATABASE_URL, falling back to DBOS_DATABASE_URL."))
    var systemDatabaseURL: String?

    @Option(help: ArgumentHelp("The sync target: a postgres:// URL. Default: <data-path>/main.sqlite.",
                               discussion: "Environment: ELT_SYNC_DATABASE_URL."))
    var syncDatabaseURL: String?

    @Option(help: ArgumentHelp("The data store (staging, CDC, latest, quarantine, integrations): a postgres:// URL. Default: <data-path>/data.sqlite.",
                               discussion: "Environment: ELT_DATA_DATABASE_URL. Servers that share a journal must share this too (see README, \"Running on several machines\")."))
    var dataDatabaseURL: String?

    @Option(help: "The schema of the data tables on Postgres.")
    var dataSchema = "public"

    @Option(help: "The schema of the sync target's table (users) on Postgres.")
    var syncSchema = "public"

    @Option(help: ArgumentHelp("The schema of the journal's tables on Postgres.",
                               discussion: "Every process sharing a journal (servers, elt run, the client commands) must name the same one."))
    var journalSchema = "durable"

    @Option(help: ArgumentHelp("The directory of the data database (data.sqlite). Default: ./.elt.",
                               discussion: "Environment: ELT_DATA_PATH."))
    var dataPath: String?

    @Option(help: ArgumentHelp("This process's executor id in the journal.",
                               discussion: "Environment: ELT_EXECUTOR_ID. Default: local. The id is leased while the run lasts: two runs (or a run and a server) at once on one journal need different ids."))
    var executorID: String?

    @Flag(help: ArgumentHelp(
        "Bind the journal to this process's data store and sync target, replacing the ones bound before.",
        discussion: "The first process on a journal binds it to its data store and sync target; a process with others does not start (it would take the fleet's runs and load them into its own tables). Give this once, to one process, after moving the fleet to new stores for good: runs recorded with the old ones are then refused."))
    var rebindStores = false

    @Flag(help: "Turn on the seed's failure rates: API 2 %, database 40 %, out-of-memory kill 5 % after batch 5.")
    var seedFailures = false

    @Option(help: ArgumentHelp(
        "Where users come from: generator (deterministic fake users, no network) or http (each integration's provider_data.api_endpoint).",
        discussion: "http: a host that does not resolve, refuses the connection or fails the TLS handshake fails the run at once, naming the host and the cause; 429, 5xx and timeouts are retried; an outage is logged once at notice (its later waits at debug) and its end again (shown by default; --log-level warning hides them).",
        valueName: "generator|http"))
    var source: SourceKind = .generator

    @Option(parsing: .unconditional, help: "Milliseconds every source page takes (imitates a remote API).")
    var sourceLatencyMs = 0

    @Option(parsing: .unconditional, help: "The most batches to read per integration (default: until the source's snapshot ends, at most 1,000,000).")
    var numBatches: Int?

    @Option(parsing: .unconditional, help: "Pages per batch (default 10).")
    var batchSize: Int?

    @Option(parsing: .unconditional, help: "Users per page (default 10).")
    var pageSize: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "The source snapshot to read (default: each integration's provider_data.snapshot, else 0).",
        discussion: "Without --num-batches the run reads until the snapshot ends, so its end is seen and its deletes count."))
    var snapshot: Int?

    @Option(help: ArgumentHelp(
        "How the generator's users change from one snapshot to the next: insert=F,update=F,delete=F (fractions from 0 to 1; a kind left out is 0), or none.",
        discussion: "insert: new users per snapshot, as a fraction of the base population; update: the chance a user alive before gets a changed name or email; delete: the chance a user alive before is gone. Snapshot 0 is the base population whatever the churn. Default: \(ELTConfiguration.defaultChurn). The churn is recorded with the run, so resuming it reads the same snapshots.",
        valueName: "churn"))
    var churn: String?

    @Option(help: "The root workflow's id. Reusing the id of a finished run returns its recorded result without running again.")
    var workflowID: String?

    @Option(parsing: .unconditional, help: "Users per generated integration in snapshot 0 (the generator's base population).")
    var usersPerIntegration = 1_000

    @Option(parsing: .unconditional, help: ArgumentHelp("The most of a tenant's latest users one run may delete, from 0 to 1 (default 0.2).",
                               discussion: "A run that would delete more applies its inserts and updates, withholds the deletes and fails, naming the tenant and the counts. 1 allows any deletes."))
    var maxDeleteFraction: Double?

    @Option(parsing: .unconditional, help: "Seconds a sync keeps retrying an unreachable sync target before the run fails (its changes are synced by the tenant's next run).")
    var syncRetryDeadline = 900

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "notice"

    @Option(help: ArgumentHelp("Progress on standard error: auto, always or never.",
                               discussion: "auto: on a terminal a line redrawn in place (tenants done, running and queued; users staged, their rate and an ETA; CDC inserts, updates and deletes; quarantined records; retries and recoveries; memory), otherwise a plain line every 5 s. always: the redrawn line even when standard error is not a terminal. never: nothing. Standard output (the result block, or --json's line) is the same in every mode."))
    var progress: ProgressMode = .auto

    @Option(help: ArgumentHelp("How log lines are written to standard error: text, or json (one JSON object per line).",
                               discussion: "Lines logged inside a workflow or step carry workflow_id, workflow_name, executor_id and, in a step, step and step_number."))
    var logFormat: LogFormat = .text

    func validate() throws {
        if let problem = CommandLineOptions.problem(integrations: integrations, sourceLatencyMs: sourceLatencyMs, logLevel: logLevel,
                                                    usersPerIntegration: usersPerIntegration, maxDeleteFraction: maxDeleteFraction,
                                                    syncRetryDeadlineSeconds: syncRetryDeadline) {
            throw ValidationError(problem)
        }
        if let churn {
            do { _ = try CommandLineOptions.churn(churn) } catch { throw ValidationError(error.description) }
        }
        if let problem = CommandLineOptions.executorIDProblem(option: executorID) { throw ValidationError(problem) }
        if let snapshot, snapshot < 0 { throw ValidationError("--snapshot must be 0 or more, got \(snapshot)") }
        if let problem = BatchParameters.problem(numBatches: numBatches, batchSize: batchSize, pageSize: pageSize) {
            throw ValidationError(problem)
        }
    }

    func run() async throws {
        _ = process_tuning_malloc_arenas_limited()  // keeps the malloc arena cap linked in (see its header)
        CommandLineOptions.bootstrapLogging(logLevel: logLevel, default: .notice, format: logFormat)
        var configuration = ELTConfiguration(
            dataPath: dataPath, systemDatabaseURL: systemDatabaseURL, syncDatabaseURL: syncDatabaseURL,
            dataDatabaseURL: dataDatabaseURL, dataSchema: dataSchema, syncSchema: syncSchema, journalSchema: journalSchema,
            integrations: integrations, seedFailures: seedFailures, sourceLatency: .milliseconds(sourceLatencyMs),
            usersPerIntegration: usersPerIntegration, churn: try churn.map { try CommandLineOptions.churn($0) },
            syncRetry: SyncRetryPolicy(deadline: .seconds(syncRetryDeadline)),
            executorID: CommandLineOptions.executorID(option: executorID))
        configuration.rebindStores = rebindStores
        let userSource = configuration.makeUserSource(source)
        let observer = PipelineObserver()
        let traceExport: TraceExport?
        do {
            traceExport = try TraceExport.fromEnvironment(serviceName: "elt")
        } catch {
            CommandLineOptions.reportFailure("error: the OTEL_* settings are not usable: \(error)", format: logFormat, label: "elt")
            throw ExitCode.failure
        }
        let runner = {
            var runner = ELTRunner(configuration: configuration, source: userSource)
            runner.interceptors = [observer] + (traceExport.map { [$0.interceptor] } ?? [])
            return runner
        }()
        // The generator's population is known (its growth by churn is not counted): the ETA's base.
        let display = ProgressDisplay(
            observer: observer, mode: progress,
            expectedUsers: source == .generator && numBatches == nil ? integrations * usersPerIntegration : nil,
            logger: logFormat == .json ? configuration.logger : nil)
        let input = RootInput(numBatches: numBatches, batchSize: batchSize, pageSize: pageSize, snapshot: snapshot,
                              source: userSource.descriptor, maxDeleteFraction: maxDeleteFraction)
        let id = workflowID ?? "elt-run-" + UUID().uuidString.lowercased()
        // The banner, once the data store and the sync target have opened: a configuration that
        // does not work gets its error alone.
        let banner = json ? "" : """
            🚀 Running root_orchestration_workflow
               workflow id: \(id)
               data:    \(configuration.dataLocation)
               journal: \(configuration.journalLocation)
               sync:    \(configuration.syncLocation)
            """ + (seedFailures ? "\n   failures: the seed's rates (API 2 %, DB 40 %, OOM 5 % after batch 5)" : "")
        let outcome: ELTRunner.Outcome
        // Whether the run's row reached the journal: only then can --workflow-id resume it.
        let recorded = Mutex(false)
        do {
            let logger = configuration.logger
            let finished = try await Self.stoppingOnSignal {
                try await Self.exportingTraces(traceExport, logger: logger) {
                    try await Self.showingProgress(display) {
                        try await runner.run(input: input, workflowID: id, onStart: {
                            if !banner.isEmpty { print(banner) }
                        }, onExisting: { existing in
                            FileHandle.standardError.write(Data(existing.note(id: id).utf8))
                        }, onRecorded: { recorded.withLock { $0 = true } })
                    }
                }
            }
            guard let finished else {
                let resumable = recorded.withLock { $0 }
                    ? "the run is left resumable: elt run --workflow-id \(ShellWord.quoted(id)) resumes it (with the options it was started with)"
                    : "the run had not started; nothing was recorded"
                FileHandle.standardError.write(Data("interrupted: \(resumable).\n".utf8))
                throw ExitCode(130)
            }
            outcome = finished
        } catch let exit as ExitCode {
            throw exit
        } catch {
            var message = "error: \(error)\n"
            let infrastructure = error is StorageFailure
                || (error as? JournalError).map({ if case .unreachable = $0 { true } else { false } }) == true
            if infrastructure, recorded.withLock({ $0 }) {
                message += "The run is left resumable: elt run --workflow-id \(ShellWord.quoted(id)) resumes it (with the options it was started with).\n"
            }
            CommandLineOptions.reportFailure(message, format: logFormat, label: "elt")
            throw ExitCode.failure
        }
        let result = outcome.result
        if json {
            print(ResultLine(result: result, seconds: outcome.seconds, workflowID: outcome.workflowID,
                             alreadyFinished: outcome.alreadyFinished).text)
            return
        }
        let target = configuration.syncDatabaseURL == nil ? "SQLite" : "Postgres"
        print("""
            ✅ ELT Pipeline Completed Successfully!
            📈 Results:
               Integrations processed: \(result.integrations)
               Users loaded (staging): \(result.usersStaged)
               CDC changes detected: \(result.cdcInserts + result.cdcUpdates + result.cdcDeletes) (\(result.cdcInserts) inserts, \(result.cdcUpdates) updates, \(result.cdcDeletes) deletes)
               Applied to latest: \(result.applied) changes
               Latest table records: \(result.latest)
               Synced to \(target): \(result.synced) changes
               Quarantined records: \(result.quarantined)
               Duplicate records (deduplicated): \(result.duplicates)\(Self.notes(result))
               Workflow id: \(outcome.workflowID)\(outcome.alsoFinished.isEmpty ? "" : "\n   Also finished, left unfinished on this executor by an earlier run: \(outcome.alsoFinished.joined(separator: ", "))")
               Seconds: \(String(format: "%.2f", outcome.seconds))\(outcome.restarts > 0 ? " (\(outcome.restarts) simulated crash(es) recovered)" : "")\(outcome.alreadyFinished ? " (the original run's: this workflow id had already finished, so nothing ran now)" : "")
            """)
    }
}

extension RunCommand {
    /// Runs `body` until it ends, or until SIGINT or SIGTERM: then `body` is cancelled (the
    /// runtime stops; every workflow stays `PENDING` with its checkpoints) and the result is nil.
    static func stoppingOnSignal<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                for await _ in signals { return nil }
                try await Task.sleep(for: .seconds(1_000_000_000)) // the sequence ended: let the body decide
                return nil
            }
            defer { group.cancelAll() }
            let first = try await group.next() ?? nil
            return first
        }
    }

    /// Runs `body` while `export` (if any) exports its spans, then flushes them.
    static func exportingTraces<T: Sendable>(_ export: TraceExport?, logger: Logger, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let export else { return try await body() }
        return try await export.running(logger: logger, body)
    }

    /// Runs `body` while `display` (if any) shows the progress; the display stops and erases
    /// its line when `body` ends.
    static func showingProgress<T: Sendable>(_ display: ProgressDisplay?, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let display else { return try await body() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await display.run(); return nil }
            group.addTask { try await body() }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let value = next { return value }
            }
            throw CancellationError()
        }
    }

    /// Lines for what a user must know: snapshots that proved nothing about deletes, superseded
    /// runs, earlier runs synced late.
    static func notes(_ result: RootResult) -> String {
        var lines = result.notes.map { note in
            (note.contains("superseded") ? "⚠️  " : "ℹ️  ") + note
        }
        if result.notesOmitted > 0 {
            lines.append("ℹ️  … and \(result.notesOmitted) more (each tenant's result is its elt_pipeline_workflow's output: elt list parent=<root id>)")
        }
        return lines.isEmpty ? "" : "\n   " + lines.joined(separator: "\n   ")
    }
}

/// `--source`.
extension SourceKind: ExpressibleByArgument {}

/// `--log-format`.
extension LogFormat: ExpressibleByArgument {}

/// `--progress`.
extension ProgressMode: ExpressibleByArgument {}

/// The `--json` line: the totals, the wall-clock seconds, and whether the workflow id had
/// already finished (then the seconds are the original run's and nothing ran).
struct ResultLine {
    var result: RootResult
    var seconds: Double
    var workflowID: String
    var alreadyFinished = false

    var text: String {
        let fields: [(String, String)] = [
            ("integrations", "\(result.integrations)"), ("users_staged", "\(result.usersStaged)"),
            ("cdc_inserts", "\(result.cdcInserts)"), ("cdc_updates", "\(result.cdcUpdates)"),
            ("cdc_deletes", "\(result.cdcDeletes)"), ("latest", "\(result.latest)"), ("synced", "\(result.synced)"),
            ("quarantined", "\(result.quarantined)"), ("duplicates", "\(result.duplicates)"),
            ("superseded", "\(result.superseded)"), ("incomplete_snapshots", "\(result.incompleteSnapshots)"),
            ("seconds", String(format: "%.3f", seconds)), ("workflow_id", Self.quoted(workflowID)),
            ("already_finished", alreadyFinished ? "true" : "false"),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
