import DurableRuntime
import ELT
import Metrics
import Synchronization

/// What the pipeline has done so far in this process, as ``PipelineObserver`` counts it: what
/// `elt run`'s progress display shows and what `elt-server`'s pipeline metrics report.
public struct PipelineTally: Sendable, Equatable {
    /// `elt_pipeline_workflow`s put on the queue (one per tenant per run).
    public var tenantsEnqueued = 0
    /// Executions of `elt_pipeline_workflow` begun (recovered ones included).
    public var tenantsStarted = 0
    /// Executions of `elt_pipeline_workflow` ended with an outcome.
    public var tenantsFinished = 0
    /// Of those, how many ended `ERROR`.
    public var tenantsFailed = 0
    /// Users written to staging (`insert_users_to_staging`).
    public var usersStaged = 0
    /// Records quarantined by validation.
    public var quarantined = 0
    /// CDC changes detected (`detect_changes`).
    public var cdcInserts = 0, cdcUpdates = 0, cdcDeletes = 0
    /// Changes synced to the target (`sync_changes`), earlier runs caught up included.
    public var syncedUpserts = 0, syncedDeletes = 0
    /// Step attempts after the first, any step.
    public var retries = 0
    /// Workflow executions that were recoveries (of an earlier, stopped execution).
    public var recoveries = 0

    /// A tally of nothing.
    public init() {}

    /// Tenants this process knows of: enqueued here, or begun here (a recovered pipeline was
    /// enqueued by an earlier process).
    public var tenantsKnown: Int { max(tenantsEnqueued, tenantsStarted) }

    /// Tenants waiting on the queue.
    public var tenantsQueued: Int { max(0, tenantsEnqueued - tenantsStarted) }
    /// Tenants running now.
    public var tenantsRunning: Int { max(0, tenantsStarted - tenantsFinished) }
}

/// The pipeline's interceptor: counts tenants, users, CDC changes, syncs, retries and
/// recoveries from the runtime's seam (checkpoint outputs of `insert_users_to_staging`,
/// `detect_changes` and `sync_changes`; executions of `elt_pipeline_workflow`), into a
/// ``PipelineTally`` and, when `metrics` is on, into swift-metrics counters:
///
/// | metric | labels |
/// |---|---|
/// | `elt_users_staged_total` | — |
/// | `elt_users_quarantined_total` | — |
/// | `elt_cdc_changes_total` | `change` (insert, update, delete) |
/// | `elt_users_synced_total` | `change` (upsert, delete) |
///
/// Counted when a checkpoint commits in this process; a step replayed after a crash records
/// nothing again, so it is counted by the process that recorded it (a checkpoint whose process
/// died right after its commit is counted by nobody).
public final class PipelineObserver: WorkflowInterceptor {
    private let state = Mutex(PipelineTally())
    private let metrics: Bool

    /// Creates an observer; with `metrics`, it reports the counters above too.
    public init(metrics: Bool = false) {
        self.metrics = metrics
    }

    /// The counts so far.
    public var tally: PipelineTally { state.withLock { $0 } }

    public func interceptWorkflow(_ execution: WorkflowExecution, _ body: () async throws -> WorkflowRecord?) async throws -> WorkflowRecord? {
        let isTenant = execution.workflowName == ELTPipelineWorkflow.name
        state.withLock { tally in
            if execution.origin == .recovered { tally.recoveries += 1 }
            if isTenant { tally.tenantsStarted += 1 }
        }
        let finished = try await body()
        if isTenant {
            state.withLock { tally in
                tally.tenantsFinished += 1
                if finished?.status == .error { tally.tenantsFailed += 1 }
            }
        }
        return finished
    }

    public func interceptStep<T: Sendable>(_ attempt: StepAttempt, _ body: () async throws -> T) async throws -> T {
        if attempt.attempt > 1 { state.withLock { $0.retries += 1 } }
        return try await body()
    }

    /// The `# HELP` text of the pipeline's metrics, by name (see ``MetricsHelp``).
    public static let metricsHelp: [String: String] = [
        "elt_users_staged_total": "Users written to users_staging by committed batches.",
        "elt_users_quarantined_total": "Source records quarantined instead of staged (invalid, or a user repeated in a batch).",
        "elt_cdc_changes_total": "Changes detected into users_cdc, by change (insert, update, delete).",
        "elt_users_synced_total": "Changes applied to the sync target, by change (upsert, delete).",
        "elt_source_request_retries_total": "Source API requests retried, by the HTTP status retried (429, 5xx; none for a timeout or a broken connection).",
    ]

    public func observe(_ event: RuntimeEvent) {
        switch event {
        case .enqueued(let record) where record.name == ELTPipelineWorkflow.name:
            state.withLock { $0.tenantsEnqueued += 1 }
        case .checkpointed(let step, _):
            switch step.name {
            case "insert_users_to_staging":
                guard let outcome = step.decodedOutput(StagingOutcome.self) else { return }
                state.withLock { $0.usersStaged += outcome.staged; $0.quarantined += outcome.quarantined }
                if metrics {
                    Counter(label: "elt_users_staged_total").increment(by: outcome.staged)
                    Counter(label: "elt_users_quarantined_total").increment(by: outcome.quarantined)
                }
            case "detect_changes":
                guard let outcome = step.decodedOutput(CDCOutcome.self) else { return }
                state.withLock { $0.cdcInserts += outcome.inserts; $0.cdcUpdates += outcome.updates; $0.cdcDeletes += outcome.deletes }
                if metrics {
                    for (change, count) in [("insert", outcome.inserts), ("update", outcome.updates), ("delete", outcome.deletes)] {
                        Counter(label: "elt_cdc_changes_total", dimensions: [("change", change)]).increment(by: count)
                    }
                }
            case "sync_changes":
                guard let outcome = step.decodedOutput(SyncOutcome.self) else { return }
                state.withLock { $0.syncedUpserts += outcome.upserts; $0.syncedDeletes += outcome.deletes }
                if metrics {
                    Counter(label: "elt_users_synced_total", dimensions: [("change", "upsert")]).increment(by: outcome.upserts)
                    Counter(label: "elt_users_synced_total", dimensions: [("change", "delete")]).increment(by: outcome.deletes)
                }
            default:
                return
            }
        default:
            return
        }
    }
}
