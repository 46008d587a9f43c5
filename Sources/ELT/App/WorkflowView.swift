import DurableRuntime
import Foundation

/// A workflow as the admin API and `elt … --json` show it (snake_case JSON).
public struct WorkflowView: Codable, Sendable, Equatable {
    /// The id.
    public var workflowID: String
    /// The registered name.
    public var name: String
    /// `PENDING`, `ENQUEUED`, `SUCCESS`, `ERROR`, `CANCELLED` or `MAX_RECOVERY_ATTEMPTS_EXCEEDED`.
    public var status: String
    /// The executor that owns it.
    public var executorID: String?
    /// Its queue.
    public var queueName: String?
    /// Recoveries so far.
    public var recoveryAttempts: Int
    /// The parent workflow.
    public var parentID: String?
    /// Creation time, ISO 8601 UTC.
    public var createdAt: String
    /// Last change, ISO 8601 UTC.
    public var updatedAt: String
    /// The input.
    public var input: JSONValue?
    /// The output, once it succeeded.
    public var output: JSONValue?
    /// The error, once it failed.
    public var error: JSONValue?

    /// The view of `record`.
    public init(_ record: WorkflowRecord) {
        workflowID = record.id
        name = record.name
        status = record.status.rawValue
        executorID = record.executorID
        queueName = record.queueName
        recoveryAttempts = record.recoveryAttempts
        parentID = record.parentID
        createdAt = Self.iso(record.createdAt)
        updatedAt = Self.iso(record.updatedAt)
        input = Self.json(record.inputJSON)
        output = record.outputJSON.flatMap(Self.json)
        error = record.errorJSON.flatMap(Self.json)
    }

    /// Milliseconds since 1970 as ISO 8601 with milliseconds, UTC.
    public static func iso(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon)
                .timeZone(separator: .omitted)).replacingOccurrences(of: "+0000", with: "Z")
    }

    static func json(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    enum CodingKeys: String, CodingKey {
        case workflowID = "workflow_id", name, status, executorID = "executor_id", queueName = "queue_name"
        case recoveryAttempts = "recovery_attempts", parentID = "parent_id", createdAt = "created_at", updatedAt = "updated_at"
        case input, output, error
    }
}

/// A checkpointed operation as the admin API and `elt steps --json` show it.
public struct StepView: Codable, Sendable, Equatable {
    /// Its position in the workflow, from 1.
    public var step: Int
    /// The step's name (or the child workflow's).
    public var name: String
    /// The child workflow it started, if any.
    public var childWorkflowID: String?
    /// Its output.
    public var output: JSONValue?
    /// Its error.
    public var error: JSONValue?
    /// Milliseconds from its start to its recorded outcome (completed − started): retries
    /// within the step and their waits included.
    public var durationMs: Int64
    /// How many times the step's body ran before its outcome was recorded: 1, plus one per
    /// retry (the outcome is the last attempt's). A child workflow's row is 1.
    public var attempts: Int
    /// The child workflow's status now (``childWorkflowID``'s), filled in by
    /// ``steps(of:client:)``: a child's row records only that it started, so its outcome is
    /// the child's own.
    public var childStatus: String?

    /// The view of `record`.
    public init(_ record: StepRecord) {
        step = record.stepNumber
        name = record.name
        childWorkflowID = record.childWorkflowID
        output = record.outputJSON.flatMap(WorkflowView.json)
        error = record.errorJSON.flatMap(WorkflowView.json)
        durationMs = record.completedAt - record.startedAt
        attempts = record.attempts
    }

    enum CodingKeys: String, CodingKey {
        case step, name, childWorkflowID = "child_workflow_id", output, error, durationMs = "duration_ms", attempts
        case childStatus = "child_status"
    }

    /// The steps of `workflowID`, each child's row with the child's status: what `elt steps`
    /// and `GET /api/workflows/{id}/steps` show.
    public static func steps(of workflowID: String, client: DurableClient) async throws -> [StepView] {
        var steps = try await client.steps(workflowID: workflowID).map(StepView.init)
        guard steps.contains(where: { $0.childWorkflowID != nil }) else { return steps }
        // Every child (not a page of them: a workflow may have more children than child rows).
        let children = try await client.listWorkflows(WorkflowQuery(parentID: workflowID))
        let statuses = Dictionary(children.map { ($0.id, $0.status.rawValue) }, uniquingKeysWith: { first, _ in first })
        for index in steps.indices {
            if let child = steps[index].childWorkflowID { steps[index].childStatus = statuses[child] }
        }
        return steps
    }
}

/// Filters for listing workflows, from `key=value` pairs (the client) or query parameters
/// (the admin API): `status` (comma-separated), `name`, `id_prefix`, `queue`, `parent`, `all`
/// (`true`/`false`), `limit`, `offset`, `order` (`asc`/`desc`), `created_after`,
/// `created_before` (ISO 8601 or milliseconds since 1970).
///
/// Which workflows are searched, the same for `elt list` and `GET /api/workflows`:
/// - by default only top-level ones (no parent: what a client, the schedule or `elt run`
///   started), since a pipeline run has some 30 child workflows;
/// - `parent=ID` lists that workflow's children;
/// - `name`, `queue` or `id_prefix` search every workflow (a child is what they usually name,
///   e.g. `name=elt_pipeline_workflow`, `queue=elt_queue`);
/// - `all=true` (`elt list --all`) always includes children, `all=false` never does.
public enum WorkflowFilter {
    /// The keys understood.
    public static let keys = [
        "status", "name", "id_prefix", "queue", "parent", "all", "limit", "offset", "order", "created_after", "created_before",
    ]

    /// The keys that search children too unless `all=false` is given.
    static let childSearchingKeys: Set<String> = ["name", "queue", "id_prefix", "parent"]

    /// The query for `pairs`, with `defaultLimit` when no limit is given.
    public static func query(_ pairs: [(String, String)], defaultLimit: Int = 100) throws(FilterError) -> WorkflowQuery {
        var query = WorkflowQuery(limit: defaultLimit)
        var all: Bool?
        var seen = Set<String>()
        for (key, value) in pairs {
            // `limit=2&limit=3` would otherwise take the last and hide the first: refused, as a
            // repeated parameter of `elt start` is (a list goes in one value: status=A,B).
            if WorkflowFilter.keys.contains(key), !seen.insert(key).inserted { throw .repeatedKey(key) }
            switch key {
            case "all":
                switch value.lowercased() {
                case "true", "1", "yes", "": all = true
                case "false", "0", "no": all = false
                default: throw .badValue(key: key, value: value, expected: "true or false")
                }
            case "status":
                query.statuses = try value.split(separator: ",").map { text throws(FilterError) in
                    guard let status = WorkflowStatus(userInput: String(text)) else {
                        throw .badValue(key: key, value: String(text),
                                        expected: "one of " + WorkflowStatus.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    return status
                }
            case "name": query.name = value
            case "id_prefix": query.idPrefix = value
            case "queue": query.queueName = value
            case "parent": query.parentID = value
            case "limit":
                guard let limit = Int(value), (1...10_000).contains(limit) else {
                    throw .badValue(key: key, value: value, expected: "a whole number from 1 to 10000")
                }
                query.limit = limit
            case "offset":
                guard let offset = Int(value), offset >= 0 else { throw .badValue(key: key, value: value, expected: "a whole number, 0 or more") }
                query.offset = offset
            case "order":
                switch value.lowercased() {
                case "asc", "ascending": query.order = .ascending
                case "desc", "descending": query.order = .descending
                default: throw .badValue(key: key, value: value, expected: "asc or desc")
                }
            case "created_after": query.createdAfter = try time(key, value)
            case "created_before": query.createdBefore = try time(key, value)
            default:
                throw .unknownKey(key)
            }
        }
        if query.parentID != nil, all == false {
            throw .badValue(key: "all", value: "false", expected: "true, or nothing, with parent= (a workflow's children are never top-level)")
        }
        query.topLevelOnly = all.map { !$0 } ?? !pairs.contains { childSearchingKeys.contains($0.0) }
        return query
    }

    private static func time(_ key: String, _ value: String) throws(FilterError) -> Int64 {
        if let milliseconds = Int64(value) { return milliseconds }
        if let date = try? Date(value, strategy: .iso8601) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        throw .badValue(key: key, value: value, expected: "an ISO 8601 time (2026-11-28T05:20:00Z) or milliseconds since 1970")
    }
}

/// A filter that cannot be used.
public enum FilterError: Error, CustomStringConvertible {
    /// Not a filter key.
    case unknownKey(String)
    /// A value of the wrong kind.
    case badValue(key: String, value: String, expected: String)
    /// A key given more than once.
    case repeatedKey(String)

    /// What is wrong, and what is accepted.
    public var description: String {
        switch self {
        case .unknownKey(let key): "unknown filter '\(key)'; the filters are: \(WorkflowFilter.keys.joined(separator: ", "))"
        case let .badValue(key, value, expected): "filter \(key)=\(value) is invalid: expected \(expected)"
        case let .repeatedKey(key):
            key == "status"
                ? "filter 'status' is given twice; give it once, with the statuses comma-separated (status=ERROR,CANCELLED)"
                : "filter '\(key)' is given twice; give each filter once"
        }
    }
}

/// One executor as the client and the admin API show it.
public struct ExecutorView: Codable, Sendable, Equatable {
    public var executorID: String
    /// `live` while the lease runs, `released` after a graceful stop, `expired` otherwise (the
    /// process died or hung: its workflows are taken over by the live executors).
    public var state: String
    public var host: String
    public var pid: Int
    public var applicationVersion: String
    /// When the process registered and when its lease ends (ISO 8601, UTC).
    public var startedAt: String
    public var leaseExpiresAt: String?
    /// Seconds until the lease ends (negative: since it ended).
    public var leaseSecondsLeft: Int

    /// The view of `info` at `now` (milliseconds since 1970).
    public init(_ info: ExecutorInfo, now: Int64) {
        executorID = info.executorID
        state = info.isLive(at: now) ? "live" : info.leaseExpiresAt == 0 ? "released" : "expired"
        host = info.host
        pid = info.pid
        applicationVersion = info.applicationVersion
        startedAt = WorkflowView.iso(info.startedAt)
        leaseExpiresAt = info.leaseExpiresAt > 0 ? WorkflowView.iso(info.leaseExpiresAt) : nil
        // Rounded away from zero: a live lease with 400 ms left shows 1 s, not 0 (which read as
        // dead), and one ended 400 ms ago shows -1.
        let left = info.leaseExpiresAt - now
        leaseSecondsLeft = info.leaseExpiresAt == 0 ? 0 : Int(left >= 0 ? (left + 999) / 1000 : -((-left + 999) / 1000))
    }

    enum CodingKeys: String, CodingKey {
        case executorID = "executor_id", state, host, pid, applicationVersion = "application_version", startedAt = "started_at"
        case leaseExpiresAt = "lease_expires_at", leaseSecondsLeft = "lease_seconds_left"
    }
}

/// A queue as `elt queues` and `GET /api/queues` show it.
public struct QueueView: Codable, Sendable, Equatable {
    /// The oldest workflow still waiting on a queue.
    public struct Waiting: Codable, Sendable, Equatable {
        public var workflowID: String
        public var name: String
        /// When it was enqueued (ISO 8601, UTC), and for how long it has waited, in seconds.
        public var createdAt: String
        public var waitingSeconds: Int
        enum CodingKeys: String, CodingKey {
            case workflowID = "workflow_id", name, createdAt = "created_at", waitingSeconds = "waiting_seconds"
        }
    }

    public var name: String
    /// The most `PENDING` across every executor, and per executor (nil: no limit).
    public var globalConcurrency: Int?
    public var workerConcurrency: Int?
    /// Workflows waiting (`ENQUEUED`) and running (`PENDING`); finished ones are not depth.
    public var depth: [String: Int]
    public var oldestEnqueued: Waiting?

    /// The view of `statistics` at `now` (milliseconds since 1970).
    public init(_ statistics: DurableClient.QueueStatistics, now: Int64) {
        name = statistics.queue.name
        globalConcurrency = statistics.queue.globalConcurrency
        workerConcurrency = statistics.queue.workerConcurrency
        depth = [WorkflowStatus.enqueued.rawValue: statistics.enqueued, WorkflowStatus.pending.rawValue: statistics.pending]
        oldestEnqueued = statistics.oldestEnqueued.map {
            Waiting(workflowID: $0.id, name: $0.name, createdAt: WorkflowView.iso($0.createdAt),
                    waitingSeconds: Int(max(0, now - $0.createdAt) / 1000))
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, globalConcurrency = "global_concurrency", workerConcurrency = "worker_concurrency", depth
        case oldestEnqueued = "oldest_enqueued"
    }
}

/// What a recovery did, as `elt recover` and `POST /api/recover` show it.
public struct RecoveryView: Codable, Sendable, Equatable {
    /// Claimed for a live executor, which runs them.
    public var resumed: [String]
    /// Put back on their queue.
    public var requeued: [String]
    /// Past their recovery limit: `MAX_RECOVERY_ATTEMPTS_EXCEEDED` (`elt resume` runs one again).
    public var deadLettered: [String]

    public init(_ claim: RecoveryClaim) {
        resumed = claim.toRun.map(\.id)
        requeued = claim.requeued
        deadLettered = claim.deadLettered
    }

    enum CodingKeys: String, CodingKey { case resumed, requeued, deadLettered = "dead_lettered" }
}
