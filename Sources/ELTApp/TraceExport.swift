import DurableObservability
import DurableRuntime
import Foundation
import Instrumentation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// OTLP/HTTP export of the workflows' and steps' spans (swift-otel), configured by the standard
/// `OTEL_*` environment variables: on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, off otherwise, and then nothing of tracing runs.
/// Only traces are exported: logs go to standard error, metrics to `GET /metrics`.
public struct TraceExport: Sendable {
    /// The exporter's background work (batching, sending); run it while the runtime runs and
    /// stop it gracefully after, which flushes what is left.
    public let service: any Service
    /// The interceptor that makes the spans (``WorkflowTracing`` over the exporter's tracer).
    public let interceptor: any WorkflowInterceptor
    /// Where spans are sent, for a log line.
    public let endpoint: String

    /// The export configured by `environment`, or nil when no OTLP endpoint is set. The service
    /// is named `serviceName` unless `OTEL_SERVICE_NAME` says otherwise (swift-otel reads it).
    /// - Throws: swift-otel's configuration error when the `OTEL_*` values are not usable.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment, serviceName: String) throws -> TraceExport? {
        let endpoint = [environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], environment["OTEL_EXPORTER_OTLP_ENDPOINT"]]
            .compactMap { $0 }.first { !$0.isEmpty }
        guard let endpoint else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        let service = try OTel.bootstrap(configuration: configuration, environment: environment)
        return TraceExport(service: service, interceptor: tracing(InstrumentationSystem.tracer), endpoint: endpoint)
    }

    private static func tracing(_ tracer: some Tracer) -> any WorkflowInterceptor {
        WorkflowTracing(tracer: tracer)
    }

    /// Runs `body` while the exporter runs, then stops the exporter gracefully (flushing its
    /// last spans), whether `body` returned or threw.
    public func running<T: Sendable>(logger: Logger, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            return try result.get()
        }
    }
}
