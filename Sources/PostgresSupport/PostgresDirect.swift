import Logging
import PostgresNIO

/// Direct connections that fail fast.
public enum PostgresDirect {
    /// Connects with `configuration`, or throws ``PostgresConnectError/timedOut(database:after:)``
    /// after `timeout` (a connect to an address that drops packets would otherwise wait much
    /// longer than the configured connect timeout).
    public static func connect(
        _ configuration: PostgresConnection.Configuration, database: String, id: Int = 0, timeout: Duration = .seconds(5),
        logger: Logger
    ) async throws -> PostgresConnection {
        try await withThrowingTaskGroup(of: PostgresConnection?.self) { group in
            group.addTask { try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.nextResult()
            group.cancelAll()
            // Whichever ends first (the connect, the timeout, or the caller's cancellation), a
            // connect under way may still succeed afterwards: it does not stop when cancelled.
            // Close such a connection, which nobody will use: one dropped unclosed keeps its
            // server backend open (and traps in postgres-nio's debug builds).
            while let late = await group.nextResult() {
                if case .success(let connection?) = late { try? await connection.close() }
            }
            switch first {
            case .success(let connection?): return connection
            case .failure(let error): throw error
            case .success(nil), nil: throw PostgresConnectError.timedOut(database: database, after: timeout)
            }
        }
    }
}
