/// What a run reads its users from, recorded in the run's input when it starts.
///
/// A process resuming the run builds its source from this record, not from its own
/// configuration: the generator from its churn and base count (it is deterministic), the HTTP
/// source from each integration's `api_endpoint` as recorded when the run loaded it. A custom
/// source (`custom:<type>`) can only be provided by a process configured with that same source;
/// any other process refuses the run (``PipelineError/sourceUnavailable(runID:recorded:available:)``).
public struct SourceDescriptor: Codable, Sendable, Hashable, CustomStringConvertible {
    /// `generator`, `http`, or `custom:<type name>`.
    public var kind: String
    /// The generator's churn between snapshots.
    public var churn: ChurnModel?
    /// The generator's snapshot-0 population per integration.
    public var baseCount: Int?
    /// The generator's pause before every page, in milliseconds.
    public var latencyMilliseconds: Int?

    /// Creates a descriptor.
    public init(kind: String, churn: ChurnModel? = nil, baseCount: Int? = nil, latencyMilliseconds: Int? = nil) {
        self.kind = kind
        self.churn = churn
        self.baseCount = baseCount
        self.latencyMilliseconds = latencyMilliseconds
    }

    /// The kind of the built-in generator source.
    public static let generatorKind = "generator"
    /// The kind of the built-in HTTP source.
    public static let httpKind = "http"

    /// The kind, with the generator's parameters.
    public var description: String {
        guard kind == Self.generatorKind else { return kind }
        var parts = ["base count \(baseCount ?? UserGenerator.defaultBaseCount)"]
        if let churn, churn != .none { parts.append("churn \(churn)") }
        return "generator (" + parts.joined(separator: ", ") + ")"
    }

    enum CodingKeys: String, CodingKey {
        case kind, churn, baseCount = "base_count", latencyMilliseconds = "latency_ms"
    }
}
