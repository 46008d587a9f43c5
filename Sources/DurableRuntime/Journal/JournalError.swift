/// Errors from the journal, with what a person needs to act on them.
public enum JournalError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The database could not be reached at all.
    case unreachable(database: String, reason: String)
    /// The database rejected the credentials.
    case authenticationFailed(database: String, reason: String)
    /// The server answered, but the database the URL names does not exist on it (Postgres
    /// SQLSTATE 3D000).
    case databaseNotFound(database: String, reason: String)
    /// The URL could not be understood.
    case invalidURL(String, reason: String)
    /// The schema is newer than this build understands.
    case schemaTooNew(found: Int, supported: Int)
    /// A query failed; `operation` says which journal operation it was part of.
    case queryFailed(operation: String, reason: String)
    /// The runtime that owns this journal was crashed on purpose (crash injection); nothing more
    /// is written by it.
    case crashed

    /// A human-readable explanation with a hint at the fix.
    public var description: String {
        switch self {
        case .unreachable(let database, let reason):
            "journal database \(database) is unreachable: \(reason). Check that the server is running and the host and port are right."
        case .authenticationFailed(let database, let reason):
            "journal database \(database) rejected the credentials: \(reason). Check the user name and password in the URL."
        case .databaseNotFound(let database, let reason):
            "journal database \(database) does not exist on that server: \(reason). Create it (createdb, or CREATE DATABASE), or fix the database name in the URL."
        case .invalidURL(let url, let reason):
            "journal URL '\(url)' is not valid: \(reason). Use postgres://USER:PASSWORD@HOST:PORT/DATABASE, or leave it unset for the embedded SQLite journal."
        case .schemaTooNew(let found, let supported):
            "journal schema version \(found) is newer than this build supports (\(supported)); upgrade the binary."
        case .queryFailed(let operation, let reason):
            "journal \(operation) failed: \(reason)"
        case .crashed:
            "the runtime was crashed by the crash injector; its journal accepts no more writes"
        }
    }
}
