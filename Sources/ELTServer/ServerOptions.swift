import DurableRuntime
import ELT
import ELTApp
import Prometheus
import ServiceLifecycle

/// How `elt-server` listens and what it does at start, beside the pipeline's ``ELTConfiguration``.
public struct ServerOptions: Sendable {
    /// Databases, executor id, failures, source latency, integrations to seed.
    public var configuration: ELTConfiguration
    /// The address of the health endpoint: loopback unless set (`0.0.0.0` for a load balancer;
    /// off loopback it shows only status, executor id and version without the admin token).
    public var host = "127.0.0.1"
    /// The port of the health endpoint.
    public var port = 8080
    /// The address of the admin API: loopback unless a token protects it.
    public var adminHost = "127.0.0.1"
    /// The port of the admin API.
    public var adminPort = 3001
    /// The bearer token the admin API requires (required off loopback).
    public var adminToken: String?
    /// How long a `PENDING` workflow may go without a checkpoint before `/health` names it as
    /// `stalled` (default 300 s).
    public var stalledAfter: Duration = .seconds(300)
    /// Whether to seed ``ELTConfiguration/integrations`` integrations when there are none.
    public var seedIfEmpty = true
    /// The cron expression of `scheduled_elt_trigger` (UTC); nil turns the schedule off.
    public var schedule: String? = ELTPipeline.defaultSchedule
    /// Where new runs read users from — queued ones (`elt start`, the admin API) and scheduled
    /// ones alike: each records it as its source when it starts (the `resolve_source` step). A
    /// run that recorded a source before (one resumed, or enqueued with one) keeps it.
    public var source: SourceKind = .generator
    /// Where the runtime's and the pipeline's metrics are collected, served at `GET /metrics`
    /// on the health port; the process bootstraps swift-metrics with it. Nil: no metrics.
    public var metricsRegistry: PrometheusCollectorRegistry?
    /// More interceptors for the runtime (`elt-server` adds workflow tracing when an OTLP
    /// endpoint is configured).
    public var interceptors: [any WorkflowInterceptor] = []
    /// Services run first and stopped last in the server's group (an OTLP exporter, which then
    /// flushes after the runtime has stopped).
    public var observabilityServices: [any Service] = []

    /// Options over `configuration`, with the defaults.
    public init(configuration: ELTConfiguration) {
        self.configuration = configuration
    }

    /// The fewest non-whitespace characters an admin token may have.
    public static let minimumTokenLength = 16

    /// Refuses an admin API open to the network without a token, and a token too weak to
    /// protect anything (fewer than ``minimumTokenLength`` non-whitespace characters).
    public func validate() throws(ServerError) {
        if let adminToken {
            let strong = adminToken.count { !$0.isWhitespace }
            guard strong >= Self.minimumTokenLength else { throw .weakToken(nonWhitespace: strong) }
        }
        let loopback = adminHost == "localhost" || adminHost.hasPrefix("127.") || adminHost == "::1"
        if !loopback, adminToken?.isEmpty ?? true {
            throw .adminWithoutToken(host: adminHost)
        }
        for (name, port) in [("--port", port), ("--admin-port", adminPort)] where !(0...65535).contains(port) {
            throw .badPort(option: name, value: port)
        }
        // Port 0 asks the system for a free port each time, so two zeros are two ports.
        if port == adminPort, port != 0 { throw .samePort(port) }
        if let schedule { _ = try Self.cron(schedule) }
    }

    /// The parsed schedule, or ``ServerError/badSchedule(_:reason:)``.
    static func cron(_ expression: String) throws(ServerError) -> CronSchedule {
        do {
            return try CronSchedule(expression)
        } catch {
            throw .badSchedule(expression, reason: error.description)
        }
    }
}

/// Why `elt-server` refuses to start.
public enum ServerError: Error, CustomStringConvertible {
    /// The admin API would listen beyond loopback with no token.
    case adminWithoutToken(host: String)
    /// A port out of range.
    case badPort(option: String, value: Int)
    /// The admin token has too few non-whitespace characters.
    case weakToken(nonWhitespace: Int)
    /// The cron expression is invalid.
    case badSchedule(String, reason: String)
    /// `--port` and `--admin-port` name the same port.
    case samePort(Int)
    /// Another process listens on the port already, or the address cannot be listened on:
    /// `option` is the one to change, `fix` says how.
    case cannotListen(option: String, address: String, reason: String, fix: String)

    /// What is wrong and how to fix it.
    public var description: String {
        switch self {
        case .adminWithoutToken(let host):
            "the admin API would listen on \(host), beyond loopback, without a token: set --admin-token (or ELT_ADMIN_TOKEN), or keep --admin-host 127.0.0.1"
        case .weakToken(let count):
            "the admin token has \(count) non-whitespace character\(count == 1 ? "" : "s"); it needs at least \(ServerOptions.minimumTokenLength): set --admin-token (or ELT_ADMIN_TOKEN) to a long random value, e.g. the output of 'openssl rand -hex 24'"
        case let .badPort(option, value):
            "\(option) \(value) is not a port (0-65535)"
        case let .samePort(port):
            "--port and --admin-port are both \(port): the health port and the admin port must differ (defaults 8080 and 3001)"
        case let .badSchedule(expression, reason):
            "--schedule '\(expression)' is not a cron expression: \(reason)"
        case let .cannotListen(option, address, reason, fix):
            "cannot listen on \(address) (\(option)): \(reason); \(fix)"
        }
    }
}
