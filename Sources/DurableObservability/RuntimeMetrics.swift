import DurableRuntime
import Metrics

/// The runtime's metrics, reported through the swift-metrics API from the runtime's
/// interceptor seam: install it in ``RuntimeConfiguration/interceptors`` and bootstrap a
/// metrics backend (`elt-server` uses Prometheus, served at `GET /metrics`).
///
/// Labels are bounded: workflow and step names, queue names, statuses and origins, never a
/// workflow id. Durations are in seconds.
///
/// | metric | kind | labels |
/// |---|---|---|
/// | `durable_workflows_started_total` | counter | `workflow`, `origin` (started, recovered, dequeued) |
/// | `durable_workflows_recovered_total` | counter | `workflow` |
/// | `durable_workflows_finished_total` | counter | `workflow`, `status` (SUCCESS, ERROR; `unfinished` when an execution stops without an outcome) |
/// | `durable_step_duration_seconds` | histogram | `step`, `outcome` (ok, error) — one per attempt |
/// | `durable_step_retries_total` | counter | `step` — attempts after the first |
/// | `durable_workflows_enqueued_total` | counter | `queue` |
/// | `durable_queue_wait_seconds` | histogram | `queue` — creation to dequeue |
/// | `durable_queue_depth` | gauge | `queue`, `status` (ENQUEUED, PENDING) — set by ``recordQueueDepths(_:queues:)`` |
/// | `durable_journal_commit_seconds` | histogram | — one per group commit |
/// | `durable_journal_commit_writes` | histogram | — checkpoints per group commit |
public struct RuntimeMetrics: WorkflowInterceptor {
    /// Creates the interceptor (metrics are created lazily, per label set).
    public init() {}

    /// The `# HELP` text of each metric above, by name (the swift-metrics API carries none:
    /// ``MetricsHelp`` adds these to the exposition).
    public static let help: [String: String] = [
        "durable_workflows_started_total": "Workflow executions begun in this process, by workflow name and origin (started, recovered, dequeued).",
        "durable_workflows_recovered_total": "Workflow executions begun by recovery (resumed after a crash or taken over from a dead executor), by workflow name.",
        "durable_workflows_finished_total": "Workflow executions ended in this process, by workflow name and status (SUCCESS, ERROR; unfinished: stopped without an outcome).",
        "durable_step_duration_seconds": "Duration of each step attempt in seconds, by step name and outcome (ok, error).",
        "durable_step_retries_total": "Step attempts after the first, by step name.",
        "durable_workflows_enqueued_total": "Workflows enqueued by this process, by queue.",
        "durable_queue_wait_seconds": "Seconds from a queued workflow's creation to its dequeue, by queue.",
        "durable_queue_depth": "Workflows waiting (ENQUEUED) or running (PENDING) on each queue, read from the journal at each scrape.",
        "durable_journal_commit_seconds": "Duration of each journal group commit in seconds.",
        "durable_journal_commit_writes": "Checkpoints and other writes per journal group commit.",
    ]

    public func interceptWorkflow(_ execution: WorkflowExecution, _ body: () async throws -> WorkflowRecord?) async throws -> WorkflowRecord? {
        let name = execution.workflowName
        Counter(label: "durable_workflows_started_total", dimensions: [("workflow", name), ("origin", execution.origin.rawValue)]).increment()
        if execution.origin == .recovered {
            Counter(label: "durable_workflows_recovered_total", dimensions: [("workflow", name)]).increment()
        }
        do {
            let finished = try await body()
            // nil: no longer PENDING at the end (cancelled meanwhile); the canceller wrote it.
            let status = finished?.status.rawValue ?? "unfinished"
            Counter(label: "durable_workflows_finished_total", dimensions: [("workflow", name), ("status", status)]).increment()
            return finished
        } catch {
            Counter(label: "durable_workflows_finished_total", dimensions: [("workflow", name), ("status", "unfinished")]).increment()
            throw error
        }
    }

    public func interceptStep<T: Sendable>(_ attempt: StepAttempt, _ body: () async throws -> T) async throws -> T {
        if attempt.attempt > 1 {
            Counter(label: "durable_step_retries_total", dimensions: [("step", attempt.stepName)]).increment()
        }
        let started = ContinuousClock.now
        do {
            let value = try await body()
            Timer(label: "durable_step_duration_seconds", dimensions: [("step", attempt.stepName), ("outcome", "ok")])
                .recordInterval(since: started)
            return value
        } catch {
            Timer(label: "durable_step_duration_seconds", dimensions: [("step", attempt.stepName), ("outcome", "error")])
                .recordInterval(since: started)
            throw error
        }
    }

    public func observe(_ event: RuntimeEvent) {
        switch event {
        case .enqueued(let record):
            Counter(label: "durable_workflows_enqueued_total", dimensions: [("queue", record.queueName ?? "")]).increment()
        case .dequeued(let record, let waited):
            Timer(label: "durable_queue_wait_seconds", dimensions: [("queue", record.queueName ?? "")]).record(duration: waited)
        case .committed(let writes, _, let latency):
            Timer(label: "durable_journal_commit_seconds").record(duration: latency)
            Recorder(label: "durable_journal_commit_writes").record(writes)
        case .checkpointed, .childStarted:
            break
        }
    }

    /// Sets `durable_queue_depth` for each of `queues` from the journal (ENQUEUED and PENDING
    /// workflows): what a scrape calls, as depth is the journal's, not this process's.
    /// - Throws: the journal's error if it cannot be read.
    public static func recordQueueDepths(_ runtime: WorkflowRuntime, queues: [String]) async throws {
        for queue in queues {
            let depth = try await runtime.queueDepth(queue)
            for status in [WorkflowStatus.enqueued, .pending] {
                Gauge(label: "durable_queue_depth", dimensions: [("queue", queue), ("status", status.rawValue)])
                    .record(depth[status, default: 0])
            }
        }
    }
}

extension Timer {
    /// Records `duration` in nanoseconds.
    func record(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Records the time since `start`.
    func recordInterval(since start: ContinuousClock.Instant) {
        record(duration: ContinuousClock.now - start)
    }
}

/// Adds `# HELP` lines to a Prometheus text exposition (version 0.0.4): swift-metrics creates
/// metrics without help text, and swift-prometheus refuses two help texts for one name, so the
/// text is added where it is served, before each family's `# TYPE` line.
public enum MetricsHelp {
    /// `exposition` with a `# HELP name text` line before each `# TYPE name …` line whose name
    /// `help` knows (text escaped as the format requires: `\\` and `\n`). Other lines are kept.
    public static func adding(_ help: [String: String], to exposition: String) -> String {
        var lines: [Substring] = []
        for line in exposition.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE ") {
                let name = line.dropFirst("# TYPE ".count).prefix { $0 != " " }
                if let text = help[String(name)] {
                    let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
                    lines.append("# HELP \(name) \(escaped)")
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
