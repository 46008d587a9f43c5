/// Why the data store could not do what was asked.
public enum StoreError: Error, CustomStringConvertible {
    /// The data database could not be opened or created.
    case cannotOpen(path: String, reason: String)
    /// The data database's settings (`--data-database-url`, `--data-schema`) are not usable;
    /// `reason` names the setting and what to use instead.
    case invalidSetting(reason: String)
    /// A statement failed.
    case failed(operation: String, path: String, reason: String)
    /// A stored value is not what this version understands.
    case corrupt(what: String, reason: String)
    /// A simulated database failure (failure simulation is on).
    case simulatedFailure(operation: String)

    /// What went wrong and where.
    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            "cannot open the data database at \(path): \(reason) — check that the directory is writable, or pass another --data-path"
        case let .invalidSetting(reason):
            "cannot use the data database: \(reason)"
        case let .failed(operation, path, reason):
            "data database \(path): \(operation) failed: \(reason)"
        case let .corrupt(what, reason):
            "data database holds an unreadable \(what): \(reason)"
        case let .simulatedFailure(operation):
            "simulated database failure during \(operation) (failure simulation is on)"
        }
    }
}
