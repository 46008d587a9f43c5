import DurableRuntime
import Foundation
import JournalPostgres
import PostgresNIO
import PostgresSupport
import Synchronization
import Testing

/// Behaviour only the Postgres backend has: connecting, reconnecting, cross-process queues.
@Suite("Postgres journal")
struct PostgresJournalTests {
    @Test("a down server fails migrate() as unreachable within about 5 s")
    func downServer() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        if let error = try await Self.migrationError(url: "postgres://postgres:secret@127.0.0.1:1/postgres", schema: "t_down") {
            guard case .unreachable(let database, _) = error else {
                Issue.record("expected .unreachable, got \(error)")
                return
            }
            #expect(!database.contains("secret"))
        }
        // Far below the 300 s reconnect timeout (a loose bound: a loaded CI machine).
        #expect(clock.now - start < .seconds(30))
    }

    @Test("a database that does not exist fails migrate() as databaseNotFound, saying to create it", .enabled(if: TestEnvironment.wantsPostgres, "ELT_TEST_POSTGRES_URL is unset"))
    func missingDatabase() async throws {
        let (url, password) = try Self.serverURL { $0.path = "/no_such_database_here" }
        guard let error = try await Self.migrationError(url: url, schema: "t_missing") else { return }
        guard case .databaseNotFound(let database, _) = error else {
            Issue.record("expected .databaseNotFound, got \(error)")
            return
        }
        #expect(database.contains("no_such_database_here") && !database.contains(password ?? "-"))
        #expect("\(error)".contains("Create it") && !"\(error)".contains("server is running"), "\(error)")
    }

    @Test("a wrong password fails migrate() as authenticationFailed", .enabled(if: TestEnvironment.wantsPostgres, "ELT_TEST_POSTGRES_URL is unset"))
    func wrongPassword() async throws {
        let (url, _) = try Self.serverURL { $0.password = "definitely-wrong" }
        guard let error = try await Self.migrationError(url: url, schema: "t_auth") else { return }
        guard case .authenticationFailed = error else {
            Issue.record("expected .authenticationFailed, got \(error)")
            return
        }
        #expect(!error.description.contains("definitely-wrong"))
    }

    /// The test server's URL with `change` applied, and the password it had before.
    private static func serverURL(_ change: (inout URLComponents) -> Void) throws -> (url: String, password: String?) {
        let url = try #require(TestEnvironment.postgresURL, Comment(rawValue: TestEnvironment.missingPostgres))
        var components = try #require(URLComponents(string: url))
        let password = components.password
        change(&components)
        return (try #require(components.string), password)
    }

    /// What `migrate()` of a journal at `url` throws; nil, with an issue recorded, if it succeeds.
    private static func migrationError(url: String, schema: String) async throws -> JournalError? {
        let journal = try PostgresJournal(url: url, schema: schema)
        do {
            try await journal.migrate()
            Issue.record("migrate() succeeded on \(url)")
            return nil
        } catch let error as JournalError {
            return error
        }
    }

    @Test("bad URLs and schema names are rejected", arguments: [
        "mysql://u:p@h/db", "postgres://h/db", "postgres://u@/db", "postgres://u@h/db?sslmode=verify",
        "postgres://u@h/db?foo=1", "not a url",
    ])
    func invalidURL(url: String) throws {
        #expect(throws: JournalError.self) { try PostgresJournal(url: url) }
    }

    @Test("schema names are validated")
    func invalidSchema() throws {
        #expect(throws: JournalError.self) { try PostgresJournal(url: "postgres://u@h/db", schema: "Bad") }
        #expect(throws: JournalError.self) { try PostgresJournal(url: "postgres://u@h/db", schema: "x; drop") }
        #expect(throws: JournalError.self) { try PostgresJournal(url: "postgres://u@h/db", schema: "9x") }
        _ = try PostgresJournal(url: "postgresql://u:p@h:6543/db?sslmode=require", schema: "_ok_9")
    }

    @Test("a commit succeeds after the journal's connections are terminated", .enabled(if: TestEnvironment.wantsPostgres, "ELT_TEST_POSTGRES_URL is unset"))
    func reconnectsAfterTermination() async throws {
        try await withJournal(.postgres) { journal in
            let backend = journal.backend
            let schema = try #require(journal.schema)
            try await backend.insert(workflow("w1"))
            let terminated = try await withDirectPostgres { connection in
                let rows = try await connection.query(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE application_name = \(PostgresJournal.applicationName(schema: schema))
                    """, logger: testLogger)
                var count = 0
                for try await _ in rows { count += 1 }
                return count
            }
            #expect(terminated >= 1)
            try await Task.sleep(for: .milliseconds(100))
            let result = try await backend.commit([.recordStep(step("w1", 1))])
            #expect(result.results == [.stepRecorded] || result.results == [.stepExists(step("w1", 1))])
            #expect(try await backend.steps(workflowID: "w1") == [step("w1", 1)])
        }
    }

    /// A process stopped inside its dequeue transaction (SIGSTOP past its lease, in
    /// `FaultTests.pausedServerIsFenced`) held the queue's lock, and every other executor's
    /// dequeue of that queue timed out after 30 s, again and again, until it was continued.
    @Test("a session paused inside a transaction that holds a queue's lock is ended by the server, so another journal's dequeue goes on",
          .enabled(if: TestEnvironment.wantsPostgres, "ELT_TEST_POSTGRES_URL is unset"), .timeLimit(.minutes(2)))
    func pausedTransactionReleasesItsLocks() async throws {
        try await withJournal(.postgres) { journal in
            let schema = try #require(journal.schema)
            let url = try #require(TestEnvironment.postgresURL)
            // The paused process: a connection with the journal's session parameters that takes
            // the queue's lock as a dequeue does, then sends nothing more.
            var configuration = try PostgresEndpoint(url: url).connectionConfiguration()
            configuration.options.additionalStartupParameters = PostgresJournal.sessionParameters(schema: schema)
            try await PostgresDirect.withConnection(configuration, database: "the test database", id: 7, logger: testLogger) { holder in
                _ = try await holder.query("BEGIN", logger: testLogger)
                _ = try await holder.query("SELECT pg_advisory_xact_lock(hashtext(\(schema)), hashtext('q'))", logger: testLogger)
                try await journal.backend.insert(workflow("w", status: .enqueued, executor: nil, queue: "q"))

                let started = ContinuousClock.now
                let claimed = try await journal.backend.dequeue(
                    DequeueRequest(queueName: "q", executorID: "survivor", globalConcurrency: nil, workerConcurrency: nil, maxCount: 1, now: 5))
                let waited = ContinuousClock.now - started
                #expect(claimed.map(\.id) == ["w"])
                #expect(waited < PostgresJournal.idleInTransactionTimeout + .seconds(10),
                        "the dequeue waited \(waited) (a statement gives up after 30 s)")
                // (A bounded query: postgres-nio's async query never answers on a closed connection.)
                await #expect(throws: (any Error).self, "the paused session was ended") {
                    _ = try await holder.boundedQuery("SELECT 1", logger: testLogger, timeout: .seconds(5))
                }
            }
        }
    }

    @Test("concurrent dequeuers in two journals never exceed the global limit, and NOTIFY wakes the other", .enabled(if: TestEnvironment.wantsPostgres, "ELT_TEST_POSTGRES_URL is unset"))
    func concurrentDequeuers() async throws {
        try await withJournal(.postgres) { journal in
            let url = try #require(TestEnvironment.postgresURL)
            let other = try PostgresJournal(url: url, schema: try #require(journal.schema))
            try await withThrowingTaskGroup(of: Void.self) { runner in
                runner.addTask { try await other.run() }
                // A workflow enqueued through one journal wakes a waiter of the other.
                try await other.waitForQueueActivity(timeout: .milliseconds(300))
                let clock = ContinuousClock()
                let start = clock.now
                let wokeAfter = WakeTime()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await other.waitForQueueActivity(timeout: .seconds(30))
                        wokeAfter.value.withLock { $0 = clock.now - start }
                    }
                    // Enqueue one at a time until the waiter wakes: a notification sent before it
                    // was listening is not one it can see (a busy machine once delayed it so).
                    var index = 0
                    while index < 20 {
                        try await journal.backend.insert(
                            workflow("w\(index)", status: .enqueued, executor: nil, queue: "q", createdAt: Int64(index)))
                        index += 1
                        if wokeAfter.value.withLock({ $0 == nil }) { try await Task.sleep(for: .milliseconds(300)) }
                    }
                    try await group.waitForAll()
                }
                // The waiter's own timeout is 30 s: waking well before that is the NOTIFY's doing.
                let woke = try #require(wokeAfter.value.withLock { $0 })
                #expect(woke < .seconds(25), "woke after \(woke)")

                let journals: [any JournalBackend] = [journal.backend, other]
                let claimed = try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<16 {
                        group.addTask {
                            try await journals[index % 2].dequeue(
                                DequeueRequest(queueName: "q", executorID: "exec-\(index)", globalConcurrency: 3,
                                               workerConcurrency: nil, maxCount: 2, now: 1)
                            ).count
                        }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(claimed == 3)
                #expect(try await other.queueDepth(queueName: "q") == [.pending: 3, .enqueued: 17])
                runner.cancelAll()
            }
        }
    }
}

/// When a waiter woke, set from its task.
private final class WakeTime: Sendable {
    let value = Mutex<Duration?>(nil)
}
