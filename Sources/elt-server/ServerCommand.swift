import ArgumentParser
import CProcessTuning
import ELT
import ELTApp
import ELTServer
import Foundation
import Logging
import Metrics
import Prometheus

/// `elt-server`: runs the pipeline's workflows, queues, schedule, health endpoint and admin API.
@main
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "elt-server",
        abstract: "Run the ELT pipeline server: queue workers, the daily schedule, GET /health and the admin API.",
        discussion: """
            Several servers may share one Postgres journal (and one data path): queue limits hold \
            across them, every pipeline runs once and every schedule tick fires once. Give each \
            its own --executor-id; a restarted server with the same id recovers what it left \
            unfinished.
            """)

    @Option(parsing: .unconditional, help: "Port of GET /health.")
    var port = 8080

    @Option(help: ArgumentHelp(
        "Address of GET /health. Use 0.0.0.0 to expose it to a load balancer.",
        discussion: """
            From loopback, or with 'Authorization: Bearer <admin token>', /health shows status, \
            executor_id, version, journal (no password) and journal_reachable; from anywhere \
            else only status, executor_id and version.
            """))
    var host = "127.0.0.1"

    @Option(parsing: .unconditional, help: "Port of the admin API.")
    var adminPort = 3001

    @Option(help: "Address of the admin API. Anything but loopback requires --admin-token.")
    var adminHost = "127.0.0.1"

    @Option(help: ArgumentHelp("Bearer token required by the admin API.", discussion: "Environment: ELT_ADMIN_TOKEN."))
    var adminToken: String?

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

    @Option(help: ArgumentHelp("The directory of the data database. Default: ./.elt.", discussion: "Environment: ELT_DATA_PATH."))
    var dataPath: String?

    @Option(help: ArgumentHelp("This process's executor id in the journal (unique per server sharing a journal).",
                               discussion: "Environment: ELT_EXECUTOR_ID. Default: local."))
    var executorID: String?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Seconds of this executor's lease in the journal (0: no lease, no automatic takeover, and not listed by elt executors).",
        discussion: "Renewed every third of it. While it runs no other process may start with this --executor-id; when a server's lease expires (it died or hung), the live servers take over its unfinished workflows from their checkpoints. A graceful stop (SIGTERM) releases it at once."))
    var executorLease = 30

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Seconds a PENDING workflow may go without a checkpoint before /health names it as stalled.",
        discussion: "The full view of /health (loopback or admin token) shows the one without progress for longest, as \"stalled\"; a workflow that waits on running children is not counted. Default: 300."))
    var stalledAfter = 300

    @Option(parsing: .unconditional, help: "Demo integrations (org-001, …) to seed when the data database has none (0: seed nothing). Manage your own with elt integrations or /api/integrations.")
    var integrations = 2

    @Flag(help: ArgumentHelp(
        "Bind the journal to this process's data store and sync target, replacing the ones bound before.",
        discussion: "The first process on a journal binds it to its data store and sync target; a process with others does not start (it would take the fleet's runs and load them into its own tables). Give this once, to one process, after moving the fleet to new stores for good: runs recorded with the old ones are then refused."))
    var rebindStores = false

    @Flag(help: "Turn on the seed's failure rates: API 2 %, database 40 %, out-of-memory kill 5 % after batch 5 (the process exits with 137).")
    var seedFailures = false

    @Option(help: ArgumentHelp(
        "Where new runs read users from: generator (deterministic fake users, no network) or http (each integration's provider_data.api_endpoint).",
        discussion: "Queued runs (elt start, the admin API) and scheduled runs alike record it when they start; a resumed run reads from the source it recorded, whatever this server's --source. http: a host that does not resolve, refuses the connection or fails the TLS handshake fails the run at once, naming the host and the cause; 429, 5xx and timeouts are retried; an outage is logged once at notice (its later waits at debug) and its end again.",
        valueName: "generator|http"))
    var source: SourceKind = .generator

    @Option(parsing: .unconditional, help: "Milliseconds every source page takes.")
    var sourceLatencyMs = 0

    @Option(parsing: .unconditional, help: "Users per generated integration in snapshot 0 (the generator's base population).")
    var usersPerIntegration = 1_000

    @Option(help: ArgumentHelp(
        "How the generator's users change from one snapshot to the next: insert=F,update=F,delete=F (fractions from 0 to 1; a kind left out is 0), or none.",
        discussion: "Snapshot 0 is the base population whatever the churn. Default: \(ELTConfiguration.defaultChurn). Each run records the churn it started with; a server resuming the run reads with that one."))
    var churn: String?

    @Option(parsing: .unconditional, help: "Seconds a sync keeps retrying an unreachable sync target before the run fails (its changes are synced by the tenant's next run).")
    var syncRetryDeadline = 900

    @Option(help: ArgumentHelp("Cron expression (UTC; 5 fields, or 6 with seconds first) of scheduled_elt_trigger, or 'off'.",
                               discussion: "Servers sharing a journal fire one schedule: the one of the server started last (the others skip their ticks and log a warning). off runs no scheduler here and does not stop another server's."))
    var schedule = "20 5 * * *"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: ArgumentHelp("How log lines are written to standard error: text, or json (one JSON object per line).",
                               discussion: "Lines logged inside a workflow or step carry workflow_id, workflow_name, executor_id and, in a step, step and step_number."))
    var logFormat: LogFormat = .text

    func validate() throws {
        if let problem = CommandLineOptions.problem(integrations: integrations, sourceLatencyMs: sourceLatencyMs, logLevel: logLevel,
                                                    usersPerIntegration: usersPerIntegration, syncRetryDeadlineSeconds: syncRetryDeadline) {
            throw ValidationError(problem)
        }
        if let churn {
            do { _ = try CommandLineOptions.churn(churn) } catch { throw ValidationError(error.description) }
        }
        if let problem = CommandLineOptions.executorIDProblem(option: executorID) { throw ValidationError(problem) }
        guard stalledAfter > 0 else { throw ValidationError("--stalled-after must be 1 or more seconds, got \(stalledAfter)") }
        guard executorLease >= 0 else { throw ValidationError("--executor-lease must be 0 (off) or more seconds, got \(executorLease)") }
    }

    func run() async throws {
        _ = process_tuning_malloc_arenas_limited()  // keeps the malloc arena cap linked in (see its header)
        let level = CommandLineOptions.bootstrapLogging(logLevel: logLevel, default: .info, format: logFormat)
        var logger = Logger(label: "elt-server")
        logger.logLevel = level
        let environment = ProcessInfo.processInfo.environment
        let configuration = ELTConfiguration(
            dataPath: dataPath, systemDatabaseURL: systemDatabaseURL, syncDatabaseURL: syncDatabaseURL,
            dataDatabaseURL: dataDatabaseURL, dataSchema: dataSchema, syncSchema: syncSchema, journalSchema: journalSchema,
            integrations: integrations, seedFailures: seedFailures, sourceLatency: .milliseconds(sourceLatencyMs),
            usersPerIntegration: usersPerIntegration, churn: try churn.map { try CommandLineOptions.churn($0) },
            syncRetry: SyncRetryPolicy(deadline: .seconds(syncRetryDeadline)),
            executorID: CommandLineOptions.executorID(option: executorID, environment: environment),
            logger: logger)
        var configured = configuration
        configured.executorLease = executorLease == 0 ? nil : .seconds(executorLease)
        configured.rebindStores = rebindStores
        var options = ServerOptions(configuration: configured)
        options.host = host
        options.port = port
        options.adminHost = adminHost
        options.adminPort = adminPort
        options.adminToken = adminToken ?? environment["ELT_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        options.schedule = schedule.lowercased() == "off" ? nil : schedule
        options.source = source
        options.stalledAfter = .seconds(stalledAfter)
        // Every metric of this process goes to one registry, served at GET /metrics.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        options.metricsRegistry = registry
        // Traces go to an OTLP/HTTP collector when one is configured; otherwise no tracing
        // interceptor is installed at all (nothing to pay).
        do {
            if let export = try TraceExport.fromEnvironment(environment, serviceName: "elt-server") {
                options.observabilityServices = [export.service]
                options.interceptors = [export.interceptor]
                logger.notice("exporting traces over OTLP/HTTP", metadata: ["endpoint": "\(export.endpoint)"])
            }
        } catch {
            CommandLineOptions.reportFailure("elt-server: error: the OTEL_* settings are not usable: \(error)", format: logFormat, label: "elt-server")
            throw ExitCode.failure
        }
        do {
            try await ELTServer(options: options).run()
        } catch {
            CommandLineOptions.reportFailure("elt-server: error: \(error)", format: logFormat, label: "elt-server")
            throw ExitCode.failure
        }
    }
}


/// `--source`.
extension SourceKind: ExpressibleByArgument {}

/// `--log-format`.
extension LogFormat: ExpressibleByArgument {}
