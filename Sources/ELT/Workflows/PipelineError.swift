/// Why a pipeline workflow refused to run or stopped.
public enum PipelineError: Error, CustomStringConvertible, Equatable {
    /// A workflow parameter is out of range.
    case invalidParameter(name: String, value: String, expected: String)
    /// No connected integration has this id (for this organization).
    case unknownIntegration(id: String, organizationID: String, known: [String])
    /// Some pipelines of a root run failed: how many, and the first few.
    case pipelinesFailed(total: Int, shown: [String])
    /// The run started with a source this process does not provide.
    case sourceUnavailable(runID: String, recorded: String, available: String)
    /// The run writes to another data store than this process's: its workflows are refused
    /// here, before they read or write anything.
    case foreignDataStore(runID: String, recorded: String, here: String)
    /// The run writes to another sync target than this process's: its workflows are refused
    /// here, before they read or write anything.
    case foreignSyncTarget(runID: String, recorded: String, here: String)
    /// The run would have deleted more of the tenant's users than it may; the deletes were
    /// withheld (inserts and updates were applied and synced).
    case massDeleteWithheld(tenant: String, runID: String, deletes: Int, latest: Int, maxFraction: Double)

    /// What is wrong and what to do.
    public var description: String {
        switch self {
        case let .invalidParameter(name, value, expected):
            "parameter \(name) = \(value) is invalid: expected \(expected)"
        case let .unknownIntegration(id, organizationID, known):
            "no connected integration '\(id)' belongs to organization '\(organizationID)'; "
                + (known.isEmpty ? "there are no connected integrations (seed some first)"
                    : "the known ones are: " + known.prefix(20).joined(separator: ", ") + (known.count > 20 ? ", …" : ""))
        case let .pipelinesFailed(total, shown):
            "\(total) pipeline(s) failed: " + shown.joined(separator: "; ")
                + (total > shown.count ? "; and \(total - shown.count) more (list them: elt list parent=<root id> status=ERROR)" : "")
        case let .sourceUnavailable(runID, recorded, available):
            "run \(runID) started with the source \(recorded), which this process does not provide (it has \(available)); it will not read another source — resume the run in a process configured with that source"
        case let .foreignDataStore(runID, recorded, here):
            "run \(runID) writes to the data store \(recorded), and this process's is another one (\(here)); it was refused here, before reading or writing anything. Every process that shares a journal must share its data store (--data-database-url, or the same --data-path on one machine): start this one with the run's, then run again (a new --workflow-id)"
        case let .foreignSyncTarget(runID, recorded, here):
            "run \(runID) syncs to \(recorded), and this process's sync target is another one (\(here)); it was refused here, before reading or writing anything. Every process that shares a journal must share its sync target (--sync-database-url and --sync-schema, or the same --data-path on one machine): start this one with the run's, then run again (a new --workflow-id)"
        case let .massDeleteWithheld(tenant, runID, deletes, latest, maxFraction):
            "run \(runID) of \(tenant) would delete \(deletes) of the tenant's \(latest) users (\(Self.percent(Double(deletes) / Double(max(latest, 1))))), more than the limit of \(Self.percent(maxFraction)); its deletes were withheld (its inserts and updates were applied). If the source really lost those users, run again with a higher --max-delete-fraction (max_delete_fraction), e.g. 1 to allow any deletes"
        }
    }

    /// `0.2` as `20%`.
    static func percent(_ fraction: Double) -> String {
        let value = (fraction * 1000).rounded() / 10
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
