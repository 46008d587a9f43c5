import NIOCore
import PostgresNIO

/// postgres-nio errors in words a user can act on, and their classification: one place for the
/// journal, the data store and the sync target.
///
/// A description is the server's SQLSTATE and message, or what happened to the connection;
/// never the query or its bound values (`String(reflecting:)` of a `PSQLError` quotes both),
/// and never the server's `detail`, which quotes row values.
public enum PostgresErrorText {
    /// The error, described without the statement, its values or the detail.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? AbandonedQuery { return error.description }
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let info = error.serverInfo {
            let state = info[.sqlState].map { "SQLSTATE \($0): " } ?? ""
            return state + (info[.message] ?? "the server reported an error")
        }
        switch error.code {
        case .connectionError: return "the connection failed" + (error.underlying.map { ": " + connectCause($0) } ?? "")
        case .serverClosedConnection: return "the server closed the connection"
        case .clientClosedConnection: return "the connection was closed"
        case .uncleanShutdown: return "the connection was cut off"
        default: return "\(error.code)"
        }
    }

    /// Why a connect failed, in the system's words ("Connection refused", a failed host name
    /// lookup), not NIO's nested error dump.
    public static func connectCause(_ error: any Error) -> String {
        if let connection = error as? NIOConnectionError {
            if connection.connectionErrors.isEmpty, let lookup = connection.dnsAError ?? connection.dnsAAAAError {
                if let unknown = lookup as? SocketAddressError.UnknownHost {
                    return "the host name \(unknown.host) could not be resolved (\(unknown.errorDescription))"
                }
                return "the host name could not be resolved"
            }
            if let last = connection.connectionErrors.last { return connectCause(last.error) }
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if let psql = error as? PSQLError { return describe(psql) }
        return String(describing: error)
    }

    /// The SQLSTATE of a server error, if it is one.
    public static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Whether the connection was lost or could not be made (a retry on a new connection may
    /// succeed): a client-side connection error, SQLSTATE class 08, 57P01–03 (shutdown, cannot
    /// connect now) or 53300 (too many connections).
    public static func isConnectionLoss(_ error: any Error) -> Bool {
        if let psql = error as? PSQLError {
            switch psql.code {
            case .serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection:
                return true
            case .server:
                guard let state = psql.serverInfo?[.sqlState] else { return false }
                return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
            default:
                return false
            }
        }
        return error is AbandonedQuery || error is ChannelError || error is IOError || error is NIOConnectionError || error is PostgresConnectError
    }

    /// Whether the server's storage failed rather than the statement: disk full (53100), an I/O
    /// error (58030), or a database that only accepts reads (25006, a standby after failover).
    public static func isStorageFailure(_ error: any Error) -> Bool {
        guard let state = sqlState(error) else { return false }
        return ["53100", "58030", "25006"].contains(state)
    }

    /// Whether the server rejected the credentials (28P01, 28000).
    public static func isAuthenticationFailure(_ error: any Error) -> Bool {
        guard let state = sqlState(error) else { return false }
        return state == "28P01" || state == "28000"
    }

    /// Whether waiting and trying again may help: no connection, a lost one, or a server that
    /// is starting, shutting down, out of resources or resolving a conflict (SQLSTATE classes
    /// 08, 53, 57P, 40).
    public static func isTransient(_ error: any Error) -> Bool {
        if error is AbandonedQuery { return true }
        guard let error = error as? PSQLError else { return true } // a connect that failed in the network
        if let state = error.serverInfo?[.sqlState] {
            return state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P") || state.hasPrefix("40")
        }
        return [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown].contains(error.code)
    }
}
