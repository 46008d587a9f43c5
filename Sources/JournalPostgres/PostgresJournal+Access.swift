import DurableRuntime
import PostgresNIO
import PostgresSupport

extension PostgresJournal {
    /// Runs `body` in one transaction on a pooled connection, retrying on connection loss.
    func inTransaction<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withReconnect(operation) {
            try await self.client.withConnection { connection -> T in
                try await connection.boundedQuery("BEGIN", logger: self.logger, timeout: self.statementTimeout)
                do {
                    let value = try await body(connection)
                    try await connection.boundedQuery("COMMIT", logger: self.logger, timeout: self.statementTimeout)
                    return value
                } catch {
                    if !PostgresErrorText.isConnectionLoss(error) {
                        _ = try? await connection.boundedQuery("ROLLBACK", logger: self.logger, timeout: self.statementTimeout)
                    }
                    throw error
                }
            }
        }
    }

    /// Runs `body` on a pooled connection outside a transaction, retrying on connection loss.
    func withPooledConnection<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withReconnect(operation) {
            try await self.client.withConnection { connection -> T in try await body(connection) }
        }
    }

    /// Retries `attempt` while it fails because the connection was lost, backing off from 50 ms
    /// to 2 s, for at most ``reconnectTimeout``. Other failures become
    /// ``JournalError/queryFailed(operation:reason:)`` at once.
    ///
    /// The whole loop races a deadline because the pool waits indefinitely for a connection while
    /// the server is down.
    func withReconnect<T: Sendable>(
        _ operation: String, _ attempt: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let timeout = reconnectTimeout
        let database = endpoint.redacted
        if deadlines.isClosed {
            throw JournalError.queryFailed(operation: operation, reason: "the journal is closed (its run() has ended)")
        }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                var delay = Duration.milliseconds(50)
                while true {
                    do {
                        return try await attempt()
                    } catch let error as JournalError {
                        throw error
                    } catch let error as StorageFailure {
                        throw error
                    } catch let error as CancellationError {
                        throw error
                    } catch {
                        if PostgresErrorText.isStorageFailure(error) {
                            throw StorageFailure(
                                store: "journal", path: database, operation: operation, reason: PostgresErrorText.describe(error))
                        }
                        guard PostgresErrorText.isConnectionLoss(error) else {
                            throw JournalError.queryFailed(operation: operation, reason: PostgresErrorText.describe(error))
                        }
                        self.logger.warning(
                            "journal connection lost; retrying",
                            metadata: [
                                "operation": "\(operation)", "delay": "\(delay)",
                                "error": "\(PostgresErrorText.describe(error))",
                            ])
                        try await Task.sleep(for: delay)
                        delay = min(delay * 2, .seconds(2))
                    }
                }
            }
            group.addTask {
                // No timer per operation: run() expires the deadline (see OperationDeadlines).
                switch await self.deadlines.wait(until: .now + timeout) {
                case .expired: return nil
                case .cancelled: throw CancellationError()
                case .closed:
                    throw JournalError.queryFailed(operation: operation, reason: "the journal is closed (its run() has ended)")
                }
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else {
                throw CancellationError()
            }
            guard let value = first else {
                throw JournalError.unreachable(
                    database: database,
                    reason: "\(operation) could not reach the server for \(timeout) (reconnect timeout)")
            }
            return value
        }
    }

    /// Opens the connection for group commits: direct, named and with the journal's
    /// `search_path` like the pool's. A failure to connect is a lost connection to
    /// ``withReconnect(_:_:)``, which retries it until the reconnect timeout.
    func connectForCommits() async throws -> PostgresConnection {
        let configuration = try endpoint.connectionConfiguration(startupParameters: Self.sessionParameters(schema: schema))
        return try await PostgresDirect.connect(configuration, database: endpoint.redacted, logger: logger)
    }

    /// Opens a direct (unpooled) connection, failing within about 5 s with
    /// ``JournalError/unreachable(database:reason:)`` or
    /// ``JournalError/authenticationFailed(database:reason:)``.
    func connectDirectly(operation: String) async throws -> PostgresConnection {
        let database = endpoint.redacted
        do {
            let configuration = try endpoint.connectionConfiguration(startupParameters: Self.sessionParameters(schema: schema))
            return try await PostgresDirect.connect(configuration, database: database, logger: logger)
        } catch let error as JournalError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch PostgresConnectError.timedOut {
            throw JournalError.unreachable(database: database, reason: "no answer within 5 s")
        } catch let error as PostgresConnectError {
            throw JournalError.unreachable(database: database, reason: error.description)
        } catch {
            if PostgresErrorText.isAuthenticationFailure(error) {
                throw JournalError.authenticationFailed(database: database, reason: PostgresErrorText.describe(error))
            }
            if PostgresErrorText.sqlState(error) == "3D000" {
                throw JournalError.databaseNotFound(database: database, reason: PostgresErrorText.describe(error))
            }
            if PostgresErrorText.isConnectionLoss(error) {
                throw JournalError.unreachable(database: database, reason: PostgresErrorText.describe(error))
            }
            throw JournalError.queryFailed(operation: operation, reason: PostgresErrorText.describe(error))
        }
    }
}

