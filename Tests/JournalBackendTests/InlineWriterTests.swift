import DurableRuntime
import Foundation
import GRDB
import JournalSQLite
import SQLiteSupport
import Testing

/// ``InlineWriter``: a transaction on the caller's thread when the write lock is free, and
/// nothing done, at once, when it is not.
@Suite("SQLite inline writes")
struct InlineWriterTests {
    /// A WAL database with one table `t(v)`, and an inline writer on it.
    private final class TestDatabase {
        let directory: URL
        let path: String
        let pool: DatabasePool
        let writer: InlineWriter

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("inline-writer-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.appendingPathComponent("db.sqlite").path
            // As the journal's and the stores' pools: a writer waits out another's lock.
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { try $0.execute(sql: "CREATE TABLE t(v INTEGER)") }
            writer = try InlineWriter(path: path, label: "test.inline", pool: pool) { _ in }
        }

        func count() throws -> Int {
            try pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") ?? -1 }
        }

        deinit {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test("a free lock: the transaction runs on the calling thread and is committed")
    func runsOnTheCallersThread() throws {
        let database = try TestDatabase()
        let caller = pthread_self()
        let ranHere = try database.writer.writeIfFree { db -> Bool in
            try db.execute(sql: "INSERT INTO t VALUES (1)")
            return pthread_equal(pthread_self(), caller) != 0
        }
        #expect(ranHere == true)
        #expect(try database.count() == 1)
    }

    @Test("another connection holding the write lock: nil at once, nothing written")
    func lockTakenElsewhere() throws {
        let database = try TestDatabase()
        let holder = try DatabaseQueue(path: database.path)
        let clock = ContinuousClock()
        var elapsed: Duration = .zero
        var attempted = false
        var attempt: Int?
        try holder.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "INSERT INTO t VALUES (2)")
            let start = clock.now
            attempt = try database.writer.writeIfFree { db -> Int in
                try db.execute(sql: "INSERT INTO t VALUES (1)")
                return 1
            }
            attempted = true
            elapsed = clock.now - start
            try db.execute(sql: "ROLLBACK")
        }
        #expect(attempted)
        #expect(attempt == nil, "expected nil, got \(String(describing: attempt))")
        // It returns at once; 3 s leaves room for a busy machine, not for a wait on the lock.
        #expect(elapsed < .seconds(3), "the inline writer waited \(elapsed) for the lock")
        #expect(try database.count() == 0)
        // Once the lock is free, the same write goes through.
        #expect(try database.writer.writeIfFree { try $0.execute(sql: "INSERT INTO t VALUES (1)") } != nil)
        #expect(try database.count() == 1)
        #expect(database.writer.counts == InlineWriter.Counts(inline: 1, declined: 1))
    }

    @Test("a write already in progress on it is not waited for: a nested call gets nil")
    func inUseByAnotherCall() throws {
        let database = try TestDatabase()
        var nestedCalled = false
        var nested: Bool?
        let outer = try database.writer.writeIfFree { db -> Bool in
            try db.execute(sql: "INSERT INTO t VALUES (1)")
            nested = try database.writer.writeIfFree { _ in true }
            nestedCalled = true
            return true
        }
        #expect(outer == true)
        #expect(nestedCalled)
        #expect(nested == nil, "expected nil, got \(String(describing: nested))")
        #expect(try database.count() == 1)
    }

    @Test("a body that throws is rolled back and its error thrown, not nil")
    func failureRollsBack() throws {
        struct Refused: Error {}
        let database = try TestDatabase()
        #expect(throws: Refused.self) {
            _ = try database.writer.writeIfFree { db -> Int in
                try db.execute(sql: "INSERT INTO t VALUES (1)")
                throw Refused()
            }
        }
        #expect(try database.count() == 0)
    }

    @Test("past 1,000 WAL pages the pool's queue checkpoints, never an inline commit; until it is done, inline writes decline")
    func checkpointsOffTheCaller() async throws {
        let database = try TestDatabase()
        let size = { (try? FileManager.default.attributesOfItem(atPath: database.path)[.size] as? Int) ?? -1 }
        // Keep the pool's writer queue busy until the writes are done.
        let release = DispatchSemaphore(value: 0)
        database.pool.asyncWriteWithoutTransaction { _ in release.wait() }
        let blob = String(repeating: "x", count: 4000)
        let insert: (GRDB.Database) throws -> Void = { db in
            for _ in 0..<10 { try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [blob]) }
        }
        var committed = 0
        while database.writer.checkpointsRequested == 0, committed < 1000 {
            guard try database.writer.writeIfFree(insert) != nil else {
                Issue.record("an inline write declined with the lock free and no checkpoint asked for")
                return
            }
            committed += 1
        }
        #expect(database.writer.checkpointsRequested == 1, "no checkpoint asked for after \(committed) commits of 40 kB")
        // The checkpoint waits behind the held queue: inline writes now decline.
        #expect(try database.writer.writeIfFree(insert) == nil, "an inline write went ahead of the asked-for checkpoint")
        let before = size()
        #expect(before < 1_000_000, "an inline commit checkpointed: the database file is \(before) bytes")
        release.signal()
        try await database.pool.write { _ in }  // after the queued checkpoint
        let after = size()
        #expect(after > committed * 10 * 4000 * 9 / 10, "the pool's checkpoint did not copy the WAL: the database file is \(after) bytes")
        #expect(try database.count() == committed * 10)
        #expect(try database.writer.writeIfFree(insert) != nil, "inline writes go on once the checkpoint is done")
    }

    @Test("under continuous writes the WAL stays bounded: each checkpoint restarts it")
    func walStaysBounded() async throws {
        let database = try TestDatabase()
        let blob = String(repeating: "y", count: 4000)
        // 40 MB in 1,000 commits of 10 rows, back to back; a commit the checkpoint holds up
        // goes through the pool, as the journal's and the data store's do.
        for _ in 0..<1000 {
            let insert: @Sendable (GRDB.Database) throws -> Void = { db in
                for _ in 0..<10 { try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [blob]) }
            }
            try await database.writer.write(insert)
        }
        let wal = (try? FileManager.default.attributesOfItem(atPath: database.path + "-wal")[.size] as? Int) ?? -1
        #expect(wal > 0 && wal < 16_000_000, "the WAL grew to \(wal) bytes for 40 MB written")
        #expect(database.writer.checkpointsRequested >= 2)
        #expect(try database.count() == 10_000)
    }

    /// Takes the write lock of the database at `path` on another connection and thread (with
    /// `begin`, then `sql` inside the transaction), and returns once it is held; the lock is
    /// released after `seconds`.
    private func holdWriteLock(path: String, for seconds: TimeInterval, begin: String = "BEGIN IMMEDIATE", then sql: String? = nil) throws {
        let holder = try DatabaseQueue(path: path)
        let locked = DispatchSemaphore(value: 0)
        Thread {
            try? holder.writeWithoutTransaction { db in
                try db.execute(sql: begin)
                if let sql { try db.execute(sql: sql) }
                locked.signal()
                Thread.sleep(forTimeInterval: seconds)
                try db.execute(sql: "COMMIT")
            }
        }.start()
        locked.wait()
    }

    @Test("write(_:) under another connection's lock waits for it on the pool's queue, then commits")
    func writeFallsBackToThePool() async throws {
        let database = try TestDatabase()
        try holdWriteLock(path: database.path, for: 0.4)
        let clock = ContinuousClock()
        let start = clock.now
        let written = try await database.writer.write { db -> Int in
            try db.execute(sql: "INSERT INTO t VALUES (1)")
            return db.changesCount
        }
        let waited = clock.now - start
        #expect(written == 1)
        #expect(waited >= .milliseconds(200), "the write did not wait for the lock (\(waited))")
        #expect(try database.count() == 1)
        #expect(database.writer.counts == InlineWriter.Counts(inline: 0, declined: 1))
    }

    @Test("a journal commit while another connection holds the lock waits for it on the pool's queue and lands")
    func journalFallsBack() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inline-journal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.sqlite").path
        let journal = try SQLiteJournal(path: path)
        try await journal.migrate()
        try holdWriteLock(path: path, for: 0.4)
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await journal.commit([.insertWorkflow(workflow("held-lock"))])
        let waited = clock.now - start
        #expect(result.results == [.workflowInserted])
        #expect(waited >= .milliseconds(200), "the commit did not wait for the lock (\(waited))")
        #expect(try await journal.workflow(id: "held-lock")?.status == .pending)
    }

    @Test("opening a journal whose file another process holds locked (creating it) waits for the lock, then opens")
    func openWaitsOutALock() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inline-open-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.sqlite").path
        // Created in rollback-journal mode, as by a process that has not yet switched it to WAL.
        try holdWriteLock(path: path, for: 0.4, begin: "BEGIN EXCLUSIVE", then: "CREATE TABLE lock_holder(v INTEGER)")
        let clock = ContinuousClock()
        let start = clock.now
        let journal = try SQLiteJournal(path: path)
        let waited = clock.now - start
        #expect(waited >= .milliseconds(200), "the open did not meet the lock (\(waited))")
        try await journal.migrate()
        _ = try await journal.commit([.insertWorkflow(workflow("after-lock"))])
        #expect(try await journal.workflow(id: "after-lock")?.status == .pending)
    }

    @Test("an open that meets SQLITE_BUSY or SQLITE_LOCKED (extended codes too) is tried again until it opens",
          arguments: [ResultCode.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_BUSY_RECOVERY, .SQLITE_BUSY_SNAPSHOT])
    func lockedOpenRetries(code: ResultCode) throws {
        var attempts = 0
        let value = try LockedOpen.retrying(timeout: .seconds(5), interval: .milliseconds(1)) { () throws -> String in
            attempts += 1
            if attempts < 3 { throw DatabaseError(resultCode: code, message: "database is locked") }
            return "opened"
        }
        #expect(value == "opened")
        #expect(attempts == 3)
    }

    @Test("an open that fails otherwise fails at once; one locked past the timeout gives its last error")
    func lockedOpenGivesUp() throws {
        var attempts = 0
        #expect(throws: DatabaseError.self) {
            try LockedOpen.retrying(timeout: .seconds(5), interval: .milliseconds(1)) { () throws -> Int in
                attempts += 1
                throw DatabaseError(resultCode: .SQLITE_CANTOPEN, message: "unable to open database file")
            }
        }
        #expect(attempts == 1)

        attempts = 0
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try LockedOpen.retrying(timeout: .milliseconds(200), interval: .milliseconds(10)) { () throws -> Int in
                attempts += 1
                throw DatabaseError(resultCode: .SQLITE_BUSY, message: "database is locked")
            }
            Issue.record("expected the last SQLITE_BUSY")
        } catch let error as DatabaseError {
            #expect(error.resultCode == .SQLITE_BUSY)
        }
        #expect(attempts > 1)
        #expect(clock.now - start >= .milliseconds(150))
    }
}
