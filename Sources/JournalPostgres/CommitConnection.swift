import PostgresNIO
import PostgresSupport
import Synchronization

/// The journal's own connection for group commits. The ``JournalActor`` commits one batch at a
/// time, so one connection carries them all, and a commit skips the pool lease (tens of
/// microseconds under load, on the path every workflow waits on). Opened on first use, dropped
/// when a query on it fails, reopened by the next commit, closed when the journal's `run()` ends.
final class CommitConnection: Sendable {
    private let current = Mutex<PostgresConnection?>(nil)

    /// The open connection, or a new one from `connect`.
    func get(connect: () async throws -> PostgresConnection) async throws -> PostgresConnection {
        if let connection = current.withLock({ $0 }), !connection.isClosed { return connection }
        let connection = try await connect()
        let replaced = current.withLock { current -> PostgresConnection? in
            defer { current = connection }
            return current
        }
        if let replaced { Self.close(replaced) }
        return connection
    }

    /// Forgets and closes `connection` (after a failure on it).
    func drop(_ connection: PostgresConnection) {
        current.withLock { current in
            if current === connection { current = nil }
        }
        Self.close(connection)
    }

    /// Closes the connection, if any.
    func close() {
        if let connection = current.withLock({ current -> PostgresConnection? in
            defer { current = nil }
            return current
        }) {
            Self.close(connection)
        }
    }

    deinit { close() }

    /// Closes without waiting; the callback keeps the connection alive until it is closed
    /// (postgres-nio requires closing before release).
    private static func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }
}
