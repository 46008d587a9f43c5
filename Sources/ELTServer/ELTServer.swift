import DurableObservability
import DurableRuntime
import ELT
import ELTApp
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The long-running pipeline server: one `ServiceGroup` with the journal, the runtime (its queue
/// workers), the scheduler, the health endpoint and the admin API. SIGTERM or SIGINT shuts it
/// down gracefully, in reverse order: the HTTP servers stop, the runtime stops taking work and
/// leaves in-flight workflows `PENDING` for recovery (each step's writes are one transaction, so
/// nothing is half-written), and the journal closes last.
public struct ELTServer: Sendable {
    /// The options.
    public let options: ServerOptions

    /// A server with `options` (checked).
    public init(options: ServerOptions) throws {
        try options.validate()
        self.options = options
    }

    /// How long a graceful stop (SIGTERM, SIGINT) may take before the services are cancelled.
    public static let shutdownGrace: Duration = .seconds(20)
    /// How long the cancellation after ``shutdownGrace`` may take before the process ends anyway.
    public static let cancellationGrace: Duration = .seconds(10)

    /// Seeds if needed, then runs until SIGTERM/SIGINT.
    public func run() async throws {
        try PortCheck.ensureAvailable(host: options.host, port: options.port, options: .health)
        try PortCheck.ensureAvailable(host: options.adminHost, port: options.adminPort, options: .admin)
        let configuration = options.configuration
        let logger = configuration.logger
        let store = try await configuration.makeDataStore()
        if options.seedIfEmpty, try await store.integrations(after: nil, limit: 1).isEmpty, configuration.integrations > 0 {
            let seeded = try await store.seedIntegrations(count: configuration.integrations)
            logger.info("seeded connected integrations", metadata: ["count": "\(seeded)"])
        }
        let target = try configuration.makeSyncTarget()
        try await target.prepare()
        var environment = PipelineEnvironment(
            store: store, source: configuration.makeUserSource(options.source), syncTarget: target,
            failures: configuration.makeFailureSimulation(), outOfMemory: .exitProcess,
            syncRetry: configuration.syncRetry, logger: configuration.logger)
        // Runs recorded with another data store or sync target are refused here (servers on one
        // journal must share them).
        try await environment.stampStores()
        var runtimeConfiguration = configuration.runtimeConfiguration()
        // The journal is bound to one data store and sync target: a server with others does
        // not start (it would take the fleet's queued runs and load them into its own tables).
        runtimeConfiguration.bindings = environment.storeBindings(replacing: configuration.rebindStores)
        if options.metricsRegistry != nil {
            runtimeConfiguration.interceptors += [RuntimeMetrics(), PipelineObserver(metrics: true)]
        }
        runtimeConfiguration.interceptors += [RunOutcomeLog(logger: logger)] + options.interceptors
        let runtime = WorkflowRuntime(backend: try configuration.makeJournal(), configuration: runtimeConfiguration)
        ELTPipeline.register(on: runtime, environment: environment)
        let scheduler = WorkflowScheduler(runtime: runtime)
        if let expression = options.schedule {
            try scheduler.schedule(ScheduledELTTriggerWorkflow.self, cron: try ServerOptions.cron(expression), queue: ELTPipeline.runQueueName)
        }

        let health = Self.healthRouter(
            runtime: runtime, journal: configuration.journalLocation, adminToken: options.adminToken, stalledAfter: options.stalledAfter,
            metrics: options.metricsRegistry)
        let admin = Self.adminRouter(
            runtime: runtime, journal: configuration.journalLocation, adminToken: options.adminToken, stalledAfter: options.stalledAfter,
            store: store)

        var httpLogger = logger
        httpLogger.logLevel = max(logger.logLevel, .notice)
        let healthServer = Application(
            router: health, configuration: .init(address: .hostname(options.host, port: options.port), serverName: "elt-server"),
            onServerRunning: { channel in
                logger.notice("health endpoint listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
            },
            logger: httpLogger)
        let adminServer = Application(
            router: admin, configuration: .init(address: .hostname(options.adminHost, port: options.adminPort), serverName: "elt-admin"),
            onServerRunning: { channel in
                logger.notice("admin API listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
            },
            logger: httpLogger)
        let services: [any Service] = options.observabilityServices + [
            runtime.journalService, runtime, scheduler,
            ListeningService(server: healthServer, runtime: runtime, options: .health, host: options.host, port: options.port),
            ListeningService(server: adminServer, runtime: runtime, options: .admin, host: options.adminHost, port: options.adminPort),
        ]
        logger.notice("elt-server starting", metadata: [
            "executor_id": "\(configuration.executorID)", "schedule": "\(options.schedule ?? "off")", "source": "\(options.source.rawValue)",
            "journal": "\(configuration.journalLocation)",
            "data": "\(configuration.dataLocation)", "sync": "\(configuration.syncLocation)", "version": "\(ELTVersion.current)",
        ])
        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // SIGTERM always ends the process: a graceful stop that has not finished within
        // shutdownGrace is cancelled, and a cancellation that has not finished within
        // cancellationGrace ends the process (swift-service-lifecycle traps). Every workflow in
        // flight stays PENDING with its checkpoints, for recovery.
        groupConfiguration.maximumGracefulShutdownDuration = Self.shutdownGrace
        groupConfiguration.maximumCancellationDuration = Self.cancellationGrace
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            await target.close()
            await store.close()
            throw error
        }
        await target.close()
        await store.close()
    }
}
