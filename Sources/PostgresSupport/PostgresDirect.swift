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

extension PostgresDirect {
    /// Runs `body` on a connection from ``connect(_:database:id:timeout:logger:)`` and closes
    /// that connection however `body` ends: returned, thrown, or failed because the server ended
    /// the session.
    ///
    /// postgres-nio traps in debug builds when a connection is released with its channel still
    /// open, and a connection the server terminated (`pg_terminate_backend`, an
    /// idle-in-transaction timeout) stays open on the client side for a moment after its query
    /// failed: a test that let such a connection go crashed the whole test process. The close
    /// is not awaited (see ``DirectConnections/close(_:)``: a close can wait forever on a server
    /// that went away); it keeps the connection alive until it completes.
    public static func withConnection<T: Sendable>(
        _ configuration: PostgresConnection.Configuration, database: String, id: Int = 0, timeout: Duration = .seconds(5),
        logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await connect(configuration, database: database, id: id, timeout: timeout, logger: logger)
        defer { DirectConnections.close(connection) }
        return try await body(connection)
    }
}

extension PostgresDirect {
    /// Whether `table` (a schema-qualified, quoted name such as `"durable".workflow_status`)
    /// exists in the database of `configuration`; creates nothing.
    public static func tableExists(
        _ configuration: PostgresConnection.Configuration, database: String, table: String, logger: Logger
    ) async throws -> Bool {
        try await withConnection(configuration, database: database, logger: logger) { connection in
            for try await exists in try await connection.query("SELECT to_regclass(\(table)) IS NOT NULL", logger: logger).decode(Bool.self) {
                return exists
            }
            return false
        }
    }
}
