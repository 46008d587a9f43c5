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
