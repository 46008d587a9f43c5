import DurableObservability
import DurableRuntime
import ELTApp
import Hummingbird
import Logging
import Prometheus

/// `GET /metrics` on the health port: every metric in Prometheus's text exposition format
/// (version 0.0.4), for a scraper. Open like `/health`'s short view: the labels are workflow,
/// step and queue names, never ids or data. The queue depths are read from the journal at
/// each scrape; a journal that does not answer leaves them at their last value (and is logged).
/// The metrics are listed in README ("Metrics"); each family has a `# HELP` line.
enum MetricsRoute {
    /// Every metric's `# HELP` text: the runtime's and the pipeline's.
    static let help = RuntimeMetrics.help.merging(PipelineObserver.metricsHelp) { runtime, _ in runtime }

    static func add(to router: Router<ServerRequestContext>, runtime: WorkflowRuntime, registry: PrometheusCollectorRegistry) {
        router.get("metrics") { _, _ -> Response in
            do {
                try await RuntimeMetrics.recordQueueDepths(runtime, queues: runtime.configuration.queues.map(\.name))
            } catch {
                runtime.configuration.logger.warning("metrics: the journal did not answer for queue depths", metadata: ["error": "\(error)"])
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            let exposition = MetricsHelp.adding(help, to: String(decoding: registry.emitToBuffer(), as: UTF8.self))
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: exposition)))
        }
    }
}
