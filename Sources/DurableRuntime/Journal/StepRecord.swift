/// One row of `operation_outputs`: the recorded outcome of one checkpointed operation.
///
/// Operations are numbered in program order from 1 within their workflow (the `stepNumber`,
/// DBOS's `function_id`). An operation is a step, a child-workflow call, a sleep, a memoised
/// `now`/`uuid`, or an enqueue.
public struct StepRecord: Sendable, Equatable, Codable {
    /// The workflow the operation belongs to.
    public var workflowID: String
    /// The operation's position in program order, from 1.
    public var stepNumber: Int
    /// The operation's name, such as `fetch_users_from_api`.
    public var name: String
    /// The output, JSON-encoded, when the operation succeeded.
    public var outputJSON: String?
    /// The error, JSON-encoded as a ``RecordedError``, when it failed.
    public var errorJSON: String?
    /// The child workflow this operation started, if it is a child-workflow call.
    public var childWorkflowID: String?
    /// When the operation started, milliseconds since 1970.
    public var startedAt: Int64
    /// When its outcome was recorded, milliseconds since 1970.
    public var completedAt: Int64
    /// How many times the step's body ran in the execution that recorded it: 1, plus one per
    /// retry under its ``RetryPolicy``. Attempts of an execution that crashed before recording
    /// are not counted (nothing of them is in the journal). Rows written before journal schema
    /// version 4 read as 1.
    public var attempts: Int

    /// Creates a step record.
    public init(
        workflowID: String, stepNumber: Int, name: String, outputJSON: String? = nil,
        errorJSON: String? = nil, childWorkflowID: String? = nil, startedAt: Int64, completedAt: Int64, attempts: Int = 1
    ) {
        self.workflowID = workflowID
        self.stepNumber = stepNumber
        self.name = name
        self.outputJSON = outputJSON
        self.errorJSON = errorJSON
        self.childWorkflowID = childWorkflowID
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.attempts = attempts
    }

    private enum CodingKeys: String, CodingKey {
        case workflowID, stepNumber, name, outputJSON, errorJSON, childWorkflowID, startedAt, completedAt, attempts
    }

    /// Decodes a record; one encoded before `attempts` existed reads as one attempt.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            workflowID: try container.decode(String.self, forKey: .workflowID),
            stepNumber: try container.decode(Int.self, forKey: .stepNumber),
            name: try container.decode(String.self, forKey: .name),
            outputJSON: try container.decodeIfPresent(String.self, forKey: .outputJSON),
            errorJSON: try container.decodeIfPresent(String.self, forKey: .errorJSON),
            childWorkflowID: try container.decodeIfPresent(String.self, forKey: .childWorkflowID),
            startedAt: try container.decode(Int64.self, forKey: .startedAt),
            completedAt: try container.decode(Int64.self, forKey: .completedAt),
            attempts: try container.decodeIfPresent(Int.self, forKey: .attempts) ?? 1)
    }

    /// The recorded output decoded as `type`, as the runtime decodes it on replay; nil when
    /// the step failed or its output is not a `type`.
    public func decodedOutput<T: Decodable>(_ type: T.Type) -> T? {
        guard let outputJSON else { return nil }
        return try? JournalJSON.decode(type, from: outputJSON)
    }

    /// Whether two records carry the same outcome (used to make a retried commit idempotent);
    /// timings and attempts are not part of the outcome.
    public func hasSameOutcome(as other: StepRecord) -> Bool {
        name == other.name && outputJSON == other.outputJSON && errorJSON == other.errorJSON
            && childWorkflowID == other.childWorkflowID
    }
}
