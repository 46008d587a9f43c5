import Logging
import PostgresNIO

/// Direct connections kept open between uses instead of a connect (a server backend and a
/// password exchange) per use: what the data store and the sync target use instead of a pool
/// service that would have to run beside them. A user takes an idle connection or opens one
/// (failing within the connect timeout), and gives it back when it succeeded; a connection
/// that failed, or is closed, is dropped. At most ``capacity`` stay idle; ``closeAll()`` closes
/// them (at shutdown).
public actor DirectConnections {
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let capacity: Int
    private var idle: [PostgresConnection] = []
    private var nextID = 1

    private let database: String

    /// Connections with `configuration` to `database` (its redacted URL, for errors), at most
    /// `capacity` kept idle.
    public init(configuration: PostgresConnection.Configuration, database: String, logger: Logger, capacity: Int) {
        self.configuration = configuration
        self.database = database
        self.logger = logger
        self.capacity = capacity
    }

    deinit {
        // A target dropped without close(): close its idle connections; each callback keeps
        // its connection alive until closed (postgres-nio requires closing before release).
        for connection in idle {
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
        }
    }

    /// An open connection: an idle one, or a new one.
    public func take() async throws -> PostgresConnection {
        while let connection = idle.popLast() {
            if !connection.isClosed { return connection }
        }
        nextID += 1
        return try await PostgresDirect.connect(configuration, database: database, id: nextID, logger: logger)
    }

    /// Keeps `connection` for the next run, or closes it when enough are idle.
    public func giveBack(_ connection: PostgresConnection) async {
        if idle.count < capacity, !connection.isClosed {
            idle.append(connection)
        } else {
            Self.close(connection)
        }
    }

    /// Closes every idle connection.
    public func closeAll() async {
        let connections = idle
        idle = []
        for connection in connections { Self.close(connection) }
    }

    /// Runs `body` on an idle or new connection and keeps the connection for the next use if
    /// `body` succeeded. A connection whose body failed is closed, never reused (it may be
    /// mid-transaction or broken); after a transient failure (see
    /// ``PostgresErrorText/isTransient(_:)``) every idle connection is closed too, since the
    /// server most likely dropped them all, and a query sent on a dropped connection can wait
    /// forever. A connection that cannot be opened throws ``ConnectFailure``.
    public nonisolated func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection: PostgresConnection
        do {
            connection = try await take()
        } catch {
            await closeAll()
            throw ConnectFailure(underlying: error)
        }
        do {
            let result = try await body(connection)
            await giveBack(connection)
            return result
        } catch {
            Self.close(connection)
            if PostgresErrorText.isTransient(error) { await closeAll() }
            throw error
        }
    }

    /// No connection could be opened; `underlying` says why.
    public struct ConnectFailure: Error, CustomStringConvertible {
        /// The connect's error.
        public var underlying: any Error
        /// `cannot connect: <reason>`.
        public var description: String { "cannot connect: \(PostgresErrorText.describe(underlying))" }
    }

    /// Starts closing `connection` without waiting for it, unless the server already closed it.
    ///
    /// A connection whose server went away (a restart, an outage) can leave an awaited
    /// `close()` waiting for an answer that never comes, and an awaited close cannot be
    /// abandoned; so the close runs on its own, and its callback keeps the connection alive
    /// until it completes (postgres-nio requires closing before release).
    public nonisolated static func close(_ connection: PostgresConnection) {
        guard !connection.isClosed else { return }
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }
}
