import DurableRuntime
import PostgresNIO

/// Classification and description of postgres-nio errors, so none leaks out unwrapped.
enum PostgresErrors {
    /// The SQLSTATE of a server error, if it is one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Whether the error means the connection was lost or could not be made, so that waiting and
    /// retrying may succeed.
    static func isConnectionLoss(_ error: any Error) -> Bool {
        if let psql = error as? PSQLError {
            switch psql.code {
            case .serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection:
                return true
            case .server:
                guard let state = psql.serverInfo?[.sqlState] else { return false }
                // 08: connection exception; 57P01-03: admin/crash shutdown, cannot connect now;
                // 53300: too many connections.
                return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
            default:
                return false
            }
        }
        return error is ChannelError || error is IOError || error is NIOConnectionError
    }

    /// Whether the server rejected the credentials.
    static func isAuthenticationFailure(_ error: any Error) -> Bool {
        guard let state = sqlState(error) else { return false }
        return state == "28P01" || state == "28000"
    }

    /// A readable description: the server's SQLSTATE and message, or the client-side cause.
    /// (`PSQLError`'s own description deliberately says nothing useful.)
    static func describe(_ error: any Error) -> String {
        guard let psql = error as? PSQLError else { return String(describing: error) }
        if let info = psql.serverInfo {
            var text = "\(info[.severity] ?? "ERROR") \(info[.sqlState] ?? "?"): \(info[.message] ?? "no message")"
            if let detail = info[.detail] { text += " (\(detail))" }
            return text
        }
        if let underlying = psql.underlying {
            return "\(psql.code): \(underlying)"
        }
        return "\(psql.code)"
    }
}
