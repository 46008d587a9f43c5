import DurableRuntime
import Foundation
import JournalPostgres
import PostgresNIO
import Synchronization
import Testing

/// Behaviour only the Postgres backend has: connecting, reconnecting, cross-process queues.
@Suite("Postgres journal")
struct PostgresJournalTests {
    @Test("a down server fails migrate() as unreachable within about 5 s")
    func downServer() async throws {
        let journal = try PostgresJournal(url: "postgres://postgres:secret@127.0.0.1:1/postgres", schema: "t_down")
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await journal.migrate()
            Issue.record("migrate() succeeded against a closed port")
        } catch let error as JournalError {
            guard case .unreachable(let database, _) = error else {
                Issue.record("expected .unreachable, got \(error)")
                return
            }
            #expect(!database.contains("secret"))
        }
        // Far below the 300 s reconnect timeout (a loose bound: a loaded CI machine).
        #expect(clock.now - start < .seconds(30))
    }

    @Test("a wrong password fails migrate() as authenticationFailed", .enabled(if: TestEnvironment.wantsPostgres, "ELT_TEST_POSTGRES_URL is unset"))
    func wrongPassword() async throws {
        let url = try #require(TestEnvironment.postgresURL, Comment(rawValue: TestEnvironment.missingPostgres))
        var components = try #require(URLComponents(string: url))
        components.password = "definitely-wrong"
        let journal = try PostgresJournal(url: try #require(components.string), schema: "t_auth")
        do {
            try await journal.migrate()
            Issue.record("migrate() succeeded with a wrong password")
        } catch let error as JournalError {
            guard case .authenticationFailed = error else {
                Issue.record("expected .authenticationFailed, got \(error)")
                return
            }
            #expect(!error.description.contains("definitely-wrong"))
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
