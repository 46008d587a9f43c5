/// Why a pipeline workflow refused to run or stopped.
public enum PipelineError: Error, CustomStringConvertible, Equatable {
    /// A workflow parameter is out of range.
    case invalidParameter(name: String, value: String, expected: String)
    /// No connected integration has this id (for this organization).
    case unknownIntegration(id: String, organizationID: String, known: [String])
    /// Some pipelines of a root run failed.
    case pipelinesFailed([String])

    /// What is wrong and what to do.
    public var description: String {
        switch self {
        case let .invalidParameter(name, value, expected):
            "parameter \(name) = \(value) is invalid: expected \(expected)"
        case let .unknownIntegration(id, organizationID, known):
            "no connected integration '\(id)' belongs to organization '\(organizationID)'; "
                + (known.isEmpty ? "there are no connected integrations (seed some first)"
                    : "the known ones are: " + known.prefix(20).joined(separator: ", ") + (known.count > 20 ? ", …" : ""))
        case let .pipelinesFailed(failures):
            "\(failures.count) pipeline(s) failed: " + failures.joined(separator: "; ")
        }
    }
}
