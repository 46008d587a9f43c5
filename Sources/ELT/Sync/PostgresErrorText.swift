import PostgresNIO

/// A Postgres error in words a user can act on: the server's SQLSTATE and message, or what
/// happened to the connection. Never the query or its bound values (`String(reflecting:)` of a
/// `PSQLError` quotes both), and never the server's `detail`, which quotes row values.
enum PostgresErrorText {
    /// The error, described without the statement or its values.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let info = error.serverInfo {
            let state = info[.sqlState].map { "SQLSTATE \($0): " } ?? ""
            return state + (info[.message] ?? "the server reported an error")
        }
        switch error.code {
        case .connectionError: return "the connection failed" + (error.underlying.map { " (\($0))" } ?? "")
        case .serverClosedConnection: return "the server closed the connection"
        case .clientClosedConnection: return "the connection was closed"
        case .uncleanShutdown: return "the connection was cut off"
        default: return "\(error.code)"
        }
    }

    /// Whether waiting and trying again may help: no connection, a lost one, or a server that
    /// is starting, shutting down, out of resources or resolving a conflict (SQLSTATE classes
    /// 08, 53, 57P, 40).
    static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return true } // a connect that failed in the network
        if let state = error.serverInfo?[.sqlState] {
            return state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P") || state.hasPrefix("40")
        }
        return [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown].contains(error.code)
    }
}
