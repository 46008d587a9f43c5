import Logging
import PostgresNIO

/// The sync target's idle connections, kept for the next run instead of a connect (a server
/// backend and a password exchange) per run. A run takes an idle connection or opens one, and
/// gives it back when it succeeded; a connection that failed, or is closed, is dropped. At most
/// ``capacity`` stay idle; ``closeAll()`` closes them (at shutdown).
actor SyncConnections {
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let capacity: Int
    private var idle: [PostgresConnection] = []
    private var nextID = 1

    init(configuration: PostgresConnection.Configuration, logger: Logger, capacity: Int) {
        self.configuration = configuration
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
    func take() async throws -> PostgresConnection {
        while let connection = idle.popLast() {
            if !connection.isClosed { return connection }
        }
        nextID += 1
        return try await PostgresConnection.connect(configuration: configuration, id: nextID, logger: logger)
    }

    /// Keeps `connection` for the next run, or closes it when enough are idle.
    func giveBack(_ connection: PostgresConnection) async {
        if idle.count < capacity, !connection.isClosed {
            idle.append(connection)
        } else {
            try? await connection.close()
        }
    }

    /// Closes every idle connection.
    func closeAll() async {
        let connections = idle
        idle = []
        for connection in connections { try? await connection.close() }
    }
}
