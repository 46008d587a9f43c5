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
            defer { group.cancelAll() }
            guard let first = try await group.next(), let connection = first else {
                throw PostgresConnectError.timedOut(database: database, after: timeout)
            }
            return connection
        }
    }
}
