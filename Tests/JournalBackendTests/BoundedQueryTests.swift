import DurableRuntime
import Foundation
import JournalPostgres
import Logging
import PostgresNIO
import PostgresSupport
import Testing

/// `boundedQuery` never waits past its deadline, its connection's closing or its task's
/// cancellation (postgres-nio's `async` query can wait forever on a connection that closes).
@Suite("Bounded Postgres queries", .enabled(if: TestEnvironment.wantsPostgres, "ELT_TEST_POSTGRES_URL is unset"))
struct BoundedQueryTests {
    let logger = Logger(label: "test.bounded-query")

    /// Runs `body` on a new connection, closed however the test ends (see
    /// `PostgresDirect.withConnection`: a terminated connection let go unclosed traps).
    func withConnection<T: Sendable>(id: Int = 1, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let url = try #require(TestEnvironment.postgresURL, Comment(rawValue: TestEnvironment.missingPostgres))
        return try await PostgresDirect.withConnection(
            try PostgresJournal.connectionConfiguration(url: url), database: "the test database", id: id, logger: logger, body)
    }

    /// What a 30 s statement with a 20 s deadline on `connection` fails with (nil if it succeeds).
    func longQueryError(_ connection: PostgresConnection) async -> (any Error)? {
        do {
            try await connection.boundedQuery("SELECT pg_sleep(30)", logger: logger, timeout: .seconds(20))
            return nil
        } catch {
            return error
        }
    }

    /// Whether `connection` is closed within 5 s: its close is asynchronous, and on a busy
    /// machine takes longer than any fixed short wait.
    func closesSoon(_ connection: PostgresConnection) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while !connection.isClosed, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return connection.isClosed
    }

    @Test("a statement that outlives its deadline fails as timed out, and its connection is closed")
    func deadline() async throws {
        try await withConnection { connection in
            let clock = ContinuousClock()
            let started = clock.now
            let error = await #expect(throws: AbandonedQuery.self) {
                try await connection.boundedQuery("SELECT pg_sleep(30)", logger: logger, timeout: .seconds(1))
            }
            #expect(clock.now - started < .seconds(5))
            guard case .timedOut = error else {
                Issue.record("expected .timedOut, got \(String(describing: error))")
                return
            }
            let timedOut = try #require(error)
            #expect(PostgresErrorText.isConnectionLoss(timedOut), "a retry on a new connection may succeed")
            #expect(await closesSoon(connection), "a connection with a statement in flight is not reused")
        }
    }

    @Test("a query on a connection the client is closing fails promptly as a lost connection")
    func closing() async throws {
        // The close is not awaited: the query is written while the channel closes.
        for attempt in 1...20 {
            try await withConnection(id: attempt) { connection in
                let closed: EventLoopFuture<Void> = connection.close()
                let clock = ContinuousClock()
                let started = clock.now
                do {
                    try await connection.boundedQuery("SELECT 1", logger: logger, timeout: .seconds(20))
                } catch {
                    #expect(PostgresErrorText.isConnectionLoss(error), "attempt \(attempt): \(error)")
                }
                #expect(clock.now - started < .seconds(5), "attempt \(attempt)")
                try? await closed.get()
            }
        }
    }

    @Test("a query whose server connection is terminated fails as a lost connection")
    func terminated() async throws {
        try await withConnection { connection in
            let pid = try await connection.boundedQuery("SELECT pg_backend_pid()", logger: logger).rows[0].decode(Int32.self)
            let clock = ContinuousClock()
            var started = clock.now
            let outcome = try await withThrowingTaskGroup(of: (any Error)?.self) { group in
                group.addTask { await longQueryError(connection) }
                try await Task.sleep(for: .milliseconds(300))
                try await withConnection(id: 2) { killer in
                    _ = try await killer.boundedQuery("SELECT pg_terminate_backend(\(pid))", logger: logger)
                }
                started = clock.now
                return try await group.next() ?? nil
            }
            #expect(outcome.map(PostgresErrorText.isConnectionLoss) == true, "got \(String(describing: outcome))")
            #expect(clock.now - started < .seconds(5))
        }
    }

    @Test("cancelling the waiting task ends the wait at once and closes the connection")
    func cancellation() async throws {
        try await withConnection { connection in
            let clock = ContinuousClock()
            let started = clock.now
            let outcome = await withTaskGroup(of: (any Error)?.self) { group in
                group.addTask { await longQueryError(connection) }
                try? await Task.sleep(for: .milliseconds(300))
                group.cancelAll()
                return await group.next() ?? nil
            }
            #expect(outcome is CancellationError, "got \(String(describing: outcome))")
            #expect(clock.now - started < .seconds(5))
            #expect(await closesSoon(connection))
        }
    }

    @Test("rows decode as with postgres-nio's row sequence")
    func rows() async throws {
        try await withConnection { connection in
            var pairs: [(Int, String)] = []
            for try await pair in try await connection.boundedQuery(
                "SELECT i, 'v' || i FROM generate_series(1, 3) AS i", logger: logger
            ).decode((Int, String).self) {
                pairs.append(pair)
            }
            #expect(pairs.map(\.0) == [1, 2, 3])
            #expect(pairs.map(\.1) == ["v1", "v2", "v3"])
        }
    }

    @Test("a journal whose database only accepts reads fails its writes as a storage failure, not a query error")
    func readOnlyJournal() async throws {
        let url = try #require(TestEnvironment.postgresURL, Comment(rawValue: TestEnvironment.missingPostgres))
        try await withConnection(id: 3) { admin in
            let name = "t_ro_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
            // A database name cannot be bound; this one is generated above from hex digits only.
            try await admin.boundedQuery(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
            var components = try #require(URLComponents(string: url))
            components.path = "/" + name
            let journal = try PostgresJournal(url: try #require(components.string), schema: "durable", reconnectTimeout: .seconds(5))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await journal.run() }
                try await journal.migrate()
                try await admin.boundedQuery(
                    PostgresQuery(unsafeSQL: "ALTER DATABASE \(name) SET default_transaction_read_only = on"), logger: logger)
                // Connections opened from now on only read: the pool's idle ones close within a second.
                try await Task.sleep(for: .seconds(2))
                let record = WorkflowRecord(id: "w", name: "n", status: .pending, inputJSON: "{}", createdAt: 1, updatedAt: 1)
                let error = await #expect(throws: StorageFailure.self) {
                    _ = try await journal.commit([.insertWorkflow(record), .transition(
                        id: "w", from: [.pending], to: .pending, executorID: nil, resetRecoveryAttempts: false, at: 2)])
                }
                #expect(error?.store == "journal" && error?.reason.contains("25006") == true, "\(String(describing: error))")
                if let password = components.password, !password.isEmpty {
                    #expect(error?.description.contains(password) == false, "the password never shows")
                }
                group.cancelAll()
            }
            try await admin.boundedQuery(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"), logger: logger)
        }
    }
}
