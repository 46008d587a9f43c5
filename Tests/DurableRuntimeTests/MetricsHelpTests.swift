import DurableObservability
import Testing

@Suite("Prometheus help lines")
struct MetricsHelpTests {
    @Test("a # HELP line goes right before each known family's # TYPE line, escaped; unknown families and samples are kept as they were")
    func helpBeforeType() {
        let exposition = """
            # TYPE a_total counter
            a_total{x="1"} 2
            # TYPE b_seconds histogram
            b_seconds_bucket{le="+Inf"} 1
            # TYPE unknown gauge
            unknown 3

            """
        let out = MetricsHelp.adding(["a_total": "As counted.", "b_seconds": "Back\\slash and\nnewline."], to: exposition)
        #expect(out == """
            # HELP a_total As counted.
            # TYPE a_total counter
            a_total{x="1"} 2
            # HELP b_seconds Back\\\\slash and\\nnewline.
            # TYPE b_seconds histogram
            b_seconds_bucket{le="+Inf"} 1
            # TYPE unknown gauge
            unknown 3

            """)
        #expect(MetricsHelp.adding([:], to: exposition) == exposition)
    }

    @Test("every metric the runtime reports has help text")
    func runtimeMetricsHaveHelp() {
        for name in ["durable_workflows_started_total", "durable_workflows_recovered_total", "durable_workflows_finished_total",
                     "durable_step_duration_seconds", "durable_step_retries_total", "durable_workflows_enqueued_total",
                     "durable_queue_wait_seconds", "durable_queue_depth", "durable_journal_commit_seconds", "durable_journal_commit_writes"] {
            #expect((RuntimeMetrics.help[name]?.count ?? 0) > 20, "\(name)")
        }
    }
}
