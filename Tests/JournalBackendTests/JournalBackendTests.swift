import DurableRuntime
import JournalPostgres
import JournalSQLite
import Foundation
import Testing

/// The behaviour every journal backend must share, run against each of them.
@Suite("Journal backends")
struct JournalBackendTests {
    @Test("Postgres backend is configured", .disabled(if: !TestEnvironment.wantsPostgres,
        "ELT_TEST_POSTGRES_URL is unset: Postgres cases are skipped (run scripts/test.sh to include them)"))
    func postgresIsConfigured() {
        if !TestEnvironment.hasPostgres { Issue.record(Comment(rawValue: TestEnvironment.missingPostgres)) }
    }

    @Test("migrating twice is a no-op and keeps the data", arguments: BackendKind.allCases)
    func migrateTwice(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            try await journal.backend.insert(workflow("w1"))
            try await journal.backend.migrate()
            try await journal.backend.migrate()
            #expect(try await journal.backend.workflow(id: "w1") == workflow("w1"))
        }
    }

    @Test("a version 3 journal migrates to the current version: its rows are kept, old steps read as one attempt, old workflows without a trace",
          arguments: BackendKind.allCases)
    func migrateFromVersion3(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            try await journal.backend.insert(workflow("w1"))
            // Back to version 3: no attempts or trace_context column, and a step written by a version 3 build.
            try await journal.execute("ALTER TABLE \(journal.table("operation_outputs")) DROP COLUMN attempts")
            try await journal.execute("ALTER TABLE \(journal.table("workflow_status")) DROP COLUMN trace_context")
            try await journal.execute("DELETE FROM \(journal.table("journal_migrations")) WHERE version >= 4")
            if let schema = journal.schema {
                // Nor the group-commit function, which builds before it lacked; every commit
                // below goes through the one this migration must create.
                try await journal.execute(
                    """
                    DO $$ DECLARE f regprocedure; BEGIN
                      FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                        WHERE n.nspname = '\(schema)' AND p.proname LIKE 'journal\\_commit\\_batch\\_%' LOOP
                        EXECUTE 'DROP FUNCTION ' || f;
                      END LOOP;
                    END $$
                    """)
            }
            try await journal.execute(
                """
                INSERT INTO \(journal.table("operation_outputs"))(workflow_id, function_id, function_name, output, started_at, completed_at)
                VALUES ('w1', 1, 'old_step', '"kept"', 10, 20)
                """)
            try await journal.backend.migrate()
            let steps = try await journal.backend.steps(workflowID: "w1")
            #expect(steps == [StepRecord(workflowID: "w1", stepNumber: 1, name: "old_step", outputJSON: "\"kept\"", startedAt: 10, completedAt: 20, attempts: 1)])
            let retried = StepRecord(workflowID: "w1", stepNumber: 2, name: "retried", outputJSON: "1", startedAt: 30, completedAt: 40, attempts: 3)
            _ = try await journal.backend.commit([.recordStep(retried)])
            #expect(try await journal.backend.steps(workflowID: "w1").last == retried)
            #expect(try await journal.backend.workflow(id: "w1") == workflow("w1"), "the workflow row is kept, with no trace context")
            var traced = workflow("w2")
            traced.traceContext = #"{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}"#
            _ = try await journal.backend.commit([.insertWorkflow(traced)])
            #expect(try await journal.backend.workflow(id: "w2")?.traceContext == traced.traceContext)
        }
    }

    @Test("a schema newer than the code is refused", arguments: BackendKind.allCases)
    func schemaTooNew(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            try await journal.execute(
                "INSERT INTO \(journal.table("journal_migrations"))(version, applied_at) VALUES (99, 0)")
            await #expect(throws: JournalError.schemaTooNew(found: 99, supported: kind == .sqlite ? SQLiteJournal.schemaVersion : PostgresJournal.schemaVersion)) {
                try await journal.backend.migrate()
            }
        }
    }

    @Test("insertWorkflow inserts, reports an existing id, and deduplicates per queue", arguments: BackendKind.allCases)
    func insertWorkflow(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            let first = workflow("w1", status: .enqueued, executor: nil, queue: "q", dedup: "d")
            var result = try await backend.commit([.insertWorkflow(first)])
            #expect(result.results == [.workflowInserted])
            var changed = first
            changed.inputJSON = "{}"
            result = try await backend.commit([.insertWorkflow(changed)])
            #expect(result.results == [.workflowExists(first)])
            result = try await backend.commit([
                .insertWorkflow(workflow("w2", status: .enqueued, executor: nil, queue: "q", dedup: "d")),
                .insertWorkflow(workflow("w3", status: .enqueued, executor: nil, queue: "other", dedup: "d")),
                .insertWorkflow(workflow("w4", status: .enqueued, executor: nil, queue: "q", dedup: "e")),
            ])
            #expect(result.results == [.deduplicated(existingWorkflowID: "w1"), .workflowInserted, .workflowInserted])
            #expect(try await backend.workflow(id: "w2") == nil)
            // Finishing w1 releases its deduplication id.
            _ = try await backend.commit([
                .transition(id: "w1", from: [.enqueued], to: .pending, executorID: "x", resetRecoveryAttempts: false, at: 5),
                .completeWorkflow(id: "w1", status: .success, outputJSON: "1", errorJSON: nil, at: 6),
            ])
            result = try await backend.commit([
                .insertWorkflow(workflow("w5", status: .enqueued, executor: nil, queue: "q", dedup: "d"))
            ])
            #expect(result.results == [.workflowInserted])
        }
    }

    @Test("recordStep records once, then reports what is there", arguments: BackendKind.allCases)
    func recordStepConflict(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(workflow("w1"))
            let original = step("w1", 1, output: #""a""#, child: "w1-child")
            var result = try await backend.commit([.recordStep(original), .recordStep(step("w1", 2))])
            #expect(result.results == [.stepRecorded, .stepRecorded])
            result = try await backend.commit([.recordStep(step("w1", 1, output: #""b""#))])
            #expect(result.results == [.stepExists(original)])
            #expect(try await backend.steps(workflowID: "w1") == [original, step("w1", 2)])
            #expect(try await backend.steps(workflowID: "none") == [])
        }
    }

    @Test("steps(ifOwnedBy:) reads a workflow's steps only while its row is PENDING under that owner", arguments: BackendKind.allCases)
    func stepsIfOwned(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(workflow("w1"), workflow("empty"), workflow("queued", status: .enqueued, executor: nil, queue: "q"))
            let steps = [step("w1", 1), step("w1", 2, child: "w1-2")]
            _ = try await backend.commit(steps.map { .recordStep($0) })
            let first = WorkflowOwner(executorID: "exec-a", generation: 0)
            #expect(try await backend.steps(workflowID: "w1", ifOwnedBy: first) == steps)
            #expect(try await backend.steps(workflowID: "empty", ifOwnedBy: first) == [], "owned with nothing recorded is not 'not owned'")
            #expect(try await backend.steps(workflowID: "w1", ifOwnedBy: WorkflowOwner(executorID: "exec-b", generation: 0)) == nil)
            #expect(try await backend.steps(workflowID: "queued", ifOwnedBy: first) == nil)
            #expect(try await backend.steps(workflowID: "none", ifOwnedBy: first) == nil)
            // A claim (here by the same executor id) raises the generation: the old claim's reads see nothing.
            _ = try await backend.commit([
                .transition(id: "w1", from: [.pending], to: .pending, executorID: "exec-a", resetRecoveryAttempts: false, at: 5)
            ])
            let second = WorkflowOwner(executorID: "exec-a", generation: 1)
            #expect(try await backend.steps(workflowID: "w1", ifOwnedBy: first) == nil)
            #expect(try await backend.steps(workflowID: "w1", ifOwnedBy: second) == steps)
            _ = try await backend.commit([.completeWorkflow(id: "w1", status: .success, outputJSON: "1", errorJSON: nil, at: 6)])
            #expect(try await backend.steps(workflowID: "w1", ifOwnedBy: second) == nil, "a finished workflow is not run again")
            #expect(try await backend.steps(workflowID: "w1") == steps)
        }
    }

    @Test("completeWorkflow only ends a PENDING workflow", arguments: BackendKind.allCases)
    func completeOnlyPending(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(
                workflow("w1", queue: "q", dedup: "d"), workflow("w2", status: .cancelled), workflow("w3"))
            let error = #"{"type":"E","message":"boom"}"#
            let result = try await backend.commit([
                .completeWorkflow(id: "w1", status: .success, outputJSON: "42", errorJSON: nil, at: 7),
                .completeWorkflow(id: "w1", status: .error, outputJSON: nil, errorJSON: error, at: 8),
                .completeWorkflow(id: "w2", status: .success, outputJSON: "1", errorJSON: nil, at: 9),
                .completeWorkflow(id: "w3", status: .error, outputJSON: nil, errorJSON: error, at: 10),
                .completeWorkflow(id: "missing", status: .success, outputJSON: nil, errorJSON: nil, at: 11),
            ])
            #expect(result.results == [.updated(true), .updated(false), .updated(false), .updated(true), .updated(false)])
            let w1 = try #require(try await backend.workflow(id: "w1"))
            #expect(w1.status == .success && w1.outputJSON == "42" && w1.errorJSON == nil)
            #expect(w1.deduplicationID == nil && w1.updatedAt == 7)
            #expect(try await backend.workflow(id: "w2")?.status == .cancelled)
            let w3 = try #require(try await backend.workflow(id: "w3"))
            #expect(w3.status == .error && w3.errorJSON == error)
        }
    }

    @Test("transition moves only from the given states", arguments: BackendKind.allCases)
    func transition(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(
                workflow("w1", status: .enqueued, executor: nil, queue: "q", dedup: "d", attempts: 3),
                workflow("w2", queue: "q", dedup: "e"))
            let result = try await backend.commit([
                .transition(id: "w1", from: [.success], to: .pending, executorID: "x", resetRecoveryAttempts: true, at: 5),
                .transition(id: "w1", from: [.enqueued], to: .pending, executorID: "x", resetRecoveryAttempts: true, at: 6),
                .transition(id: "w2", from: [.enqueued, .pending], to: .cancelled, executorID: nil, resetRecoveryAttempts: false, at: 7),
                .transition(id: "w2", from: [], to: .enqueued, executorID: nil, resetRecoveryAttempts: false, at: 8),
            ])
            #expect(result.results == [.updated(false), .updated(true), .updated(true), .updated(false)])
            let w1 = try #require(try await backend.workflow(id: "w1"))
            #expect(w1.status == .pending && w1.executorID == "x" && w1.recoveryAttempts == 0)
            #expect(w1.deduplicationID == "d" && w1.updatedAt == 6)
            let w2 = try #require(try await backend.workflow(id: "w2"))
            #expect(w2.status == .cancelled && w2.executorID == "exec-a" && w2.deduplicationID == nil)
        }
    }

    @Test("a resume (transition to PENDING, requeue) clears the recorded error; a move to a terminal status keeps it",
          arguments: BackendKind.allCases)
    func resumeClearsError(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(workflow("failed", queue: "q"), workflow("handed", queue: "q"), workflow("kept"))
            let error = #"{"message":"boom","type":"X"}"#
            _ = try await backend.commit([
                .completeWorkflow(id: "failed", status: .error, outputJSON: nil, errorJSON: error, at: 5),
                .completeWorkflow(id: "handed", status: .error, outputJSON: nil, errorJSON: error, at: 5),
                .completeWorkflow(id: "kept", status: .error, outputJSON: nil, errorJSON: error, at: 5),
            ])
            let result = try await backend.commit([
                .transition(id: "failed", from: [.error], to: .pending, executorID: "x", resetRecoveryAttempts: true, at: 6),
                .requeue(id: "handed", from: [.error], queue: "q", at: 6),
                .transition(id: "kept", from: [.error], to: .cancelled, executorID: nil, resetRecoveryAttempts: false, at: 6),
            ])
            #expect(result.results == [.updated(true), .updated(true), .updated(true)])
            #expect(try await backend.workflow(id: "failed")?.errorJSON == nil)
            #expect(try await backend.workflow(id: "handed")?.errorJSON == nil)
            #expect(try await backend.workflow(id: "kept")?.errorJSON == error)
        }
    }

    @Test("copySteps copies the steps below a position into the workflow inserted in the same commit", arguments: BackendKind.allCases)
    func copySteps(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(workflow("src"))
            _ = try await backend.commit((1...4).map { .recordStep(step("src", $0, child: $0 == 2 ? "c" : nil)) })
            let result = try await backend.commit([
                .insertWorkflow(workflow("fork")), .copySteps(sourceID: "src", targetID: "fork", belowStep: 3),
            ])
            #expect(result.results == [.workflowInserted, .copied(2)])
            let expected = (1...2).map { number -> StepRecord in
                var copy = step("src", number, child: number == 2 ? "c" : nil)
                copy.workflowID = "fork"
                return copy
            }
            #expect(try await backend.steps(workflowID: "fork") == expected)
            #expect(try await backend.steps(workflowID: "src").count == 4)
        }
    }

    @Test("copySteps into a workflow that was not inserted in the same commit (an existing id) is refused and copies nothing",
          arguments: BackendKind.allCases)
    func copyStepsRefusesExisting(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(workflow("src"), workflow("victim"))
            _ = try await backend.commit((1...4).map { .recordStep(step("src", $0)) })
            let result = try await backend.commit([
                .insertWorkflow(workflow("victim")), .copySteps(sourceID: "src", targetID: "victim", belowStep: 3),
            ])
            #expect(result.results.last == .refused(JournalRefusal.copyIntoExisting(targetID: "victim")))
            #expect(try await backend.steps(workflowID: "victim").isEmpty, "another workflow's steps must never be copied in")
            let alone = try await backend.commit([.copySteps(sourceID: "src", targetID: "victim", belowStep: 3)])
            #expect(alone.results == [.refused(JournalRefusal.copyIntoExisting(targetID: "victim"))])
            #expect(try await backend.steps(workflowID: "victim").isEmpty)
        }
    }

    @Test("copySteps into a freshly inserted workflow that already has (orphan) steps is refused",
          arguments: BackendKind.allCases)
    func copyStepsRefusesStepped(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(workflow("src"))
            // Steps recorded for an id before its row exists (as a step of a lost row would be).
            _ = try await backend.commit((1...4).map { .recordStep(step("src", $0)) } + [.recordStep(step("late", 1, output: "9"))])
            let result = try await backend.commit([
                .insertWorkflow(workflow("late")), .copySteps(sourceID: "src", targetID: "late", belowStep: 3),
            ])
            #expect(result.results == [.workflowInserted, .refused(JournalRefusal.copyIntoStepped(targetID: "late"))])
            #expect(try await backend.steps(workflowID: "late").map(\.outputJSON) == ["9"])
        }
    }

    @Test("a guarded group is all or nothing, and leaves the rest of its commit alone", arguments: BackendKind.allCases)
    func guardedGroup(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(
                workflow("root", status: .success), workflow("child", status: .cancelled, parent: "root"),
                workflow("free", status: .cancelled))
            let before = try await backend.dump()
            // The root is not resumable any more (SUCCESS): its child must not be resumed either,
            // even though the child's own write would match.
            let resume = JournalWrite.guarded(
                required: [.transition(id: "root", from: [.cancelled], to: .pending, executorID: "e", resetRecoveryAttempts: true, at: 7)],
                then: [.transition(id: "child", from: [.cancelled], to: .pending, executorID: "e", resetRecoveryAttempts: true, at: 7)])
            var result = try await backend.commit([resume])
            #expect(result.results == [.guarded(applied: false, results: [.updated(false)])])
            #expect(try await backend.dump() == before, "a refused group must write nothing")

            // A required write that takes effect, then one that does not: the first is undone too,
            // while the writes around the group in the same commit are applied.
            result = try await backend.commit([
                .insertWorkflow(workflow("before")),
                .guarded(required: [.insertWorkflow(workflow("new")), .insertWorkflow(workflow("root"))], then: []),
                .recordStep(step("before", 1)),
            ])
            #expect(result.results.count == 3)
            #expect(result.results[0] == .workflowInserted && result.results[2] == .stepRecorded)
            guard case .guarded(false, let results) = result.results[1] else {
                Issue.record("the group should be refused: \(result.results[1])")
                return
            }
            #expect(results.first == .workflowInserted && results.count == 2)
            #expect(try await backend.workflow(id: "new") == nil, "the refused group's insert must be undone")
            #expect(try await backend.workflow(id: "before") != nil)
            #expect(try await backend.steps(workflowID: "before").count == 1)

            // All required writes take effect: the group and its `then` writes are applied.
            result = try await backend.commit([.guarded(
                required: [.expectWorkflow(id: "free", statuses: [.cancelled])],
                then: [.transition(id: "free", from: [.cancelled], to: .pending, executorID: "e", resetRecoveryAttempts: true, at: 8),
                       .transition(id: "root", from: [.cancelled], to: .pending, executorID: "e", resetRecoveryAttempts: true, at: 8)])])
            guard case .guarded(true, let applied) = result.results[0] else {
                Issue.record("the group should be applied: \(result.results[0])")
                return
            }
            #expect(applied.dropFirst() == [.updated(true), .updated(false)], "a `then` write may match nothing")
            #expect(try await backend.workflow(id: "free")?.status == .pending)
        }
    }

    @Test("expectWorkflow finds a row, in the given statuses only, and writes nothing", arguments: BackendKind.allCases)
    func expectWorkflow(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            let row = workflow("w", status: .error)
            try await backend.insert(row)
            let before = try await backend.dump()
            let result = try await backend.commit([
                .expectWorkflow(id: "w", statuses: nil), .expectWorkflow(id: "w", statuses: [.error, .cancelled]),
                .expectWorkflow(id: "w", statuses: [.success]), .expectWorkflow(id: "nobody", statuses: nil),
            ])
            #expect(result.results == [.found(row), .found(row), .found(nil), .found(nil)])
            #expect(try await backend.dump() == before)
        }
    }

    @Test("dump shows every row of every journal table, and changes with any write", arguments: BackendKind.allCases)
    func dump(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            let empty = try await backend.dump()
            #expect(empty.allSatisfy { $0.hasPrefix("journal_migrations: ") }, "a fresh journal holds only its migrations: \(empty)")
            try await backend.insert(workflow("w"))
            _ = try await backend.commit([.recordStep(step("w", 1))])
            let filled = try await backend.dump()
            #expect(filled.count == empty.count + 2)
            #expect(filled.contains { $0.hasPrefix("workflow_status: ") && $0.contains("w") })
            #expect(filled.contains { $0.hasPrefix("operation_outputs: ") })
            _ = try await backend.commit([.transition(id: "w", from: [.pending], to: .pending, executorID: nil, resetRecoveryAttempts: false, at: 5)])
            #expect(try await backend.dump() != filled, "an updated_at change must show in the dump")
        }
    }

    @Test("bind: the first value is bound and kept against another; replacing rebinds; processes binding at once agree on one",
          arguments: BackendKind.allCases)
    func bindings(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            let first = JournalBinding(key: "app.store", value: "id-1", detail: "store one")
            #expect(try await backend.bind(first, replacing: false, now: 10) == JournalBinding(key: "app.store", value: "id-1", detail: "store one", boundAt: 10))
            let other = JournalBinding(key: "app.store", value: "id-2", detail: "store two")
            #expect(try await backend.bind(other, replacing: false, now: 20).value == "id-1", "another value does not replace the bound one")
            #expect(try await backend.bind(first, replacing: false, now: 30).boundAt == 10, "binding the same value again changes nothing")
            #expect(try await backend.bind(other, replacing: true, now: 40) == JournalBinding(key: "app.store", value: "id-2", detail: "store two", boundAt: 40))
            #expect(try await backend.bind(first, replacing: false, now: 50).value == "id-2")
            // A key of its own is independent.
            #expect(try await backend.bind(JournalBinding(key: "app.target", value: "t", detail: "t"), replacing: false, now: 60).value == "t")
            // Ten processes binding a fresh key at once: all see the one value that won.
            let winners = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await backend.bind(JournalBinding(key: "app.race", value: "v\(index)", detail: "v\(index)"), replacing: false, now: 70).value
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(winners.count == 1, "\(winners)")
        }
    }

    @Test("a step or completion written for an owner is fenced once the workflow belongs to another executor",
          arguments: BackendKind.allCases)
    func fencing(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(workflow("w", executor: "survivor"), workflow("mine", executor: "me"))
            let before = try await backend.dump()
            let me = WorkflowOwner(executorID: "me", generation: 0)
            // The single-statement path (steps and completions only)…
            var result = try await backend.commit([
                .recordStep(step("w", 1), owner: me),
                .completeWorkflow(id: "w", status: .success, outputJSON: "1", errorJSON: nil, at: 9, owner: me),
            ])
            #expect(result.results == [.fenced, .updated(false)])
            #expect(try await backend.dump() == before, "a fenced write writes nothing")
            // …and the general path (with a transition in the same commit; it raises the
            // generation of "mine", which is 1 from then on).
            result = try await backend.commit([
                .transition(id: "mine", from: [.pending], to: .pending, executorID: nil, resetRecoveryAttempts: false, at: 5),
                .recordStep(step("w", 1), owner: me),
                .recordStep(step("mine", 1), owner: WorkflowOwner(executorID: "me", generation: 1)),
            ])
            #expect(result.results.dropFirst() == [.fenced, .stepRecorded])
            #expect(try await backend.steps(workflowID: "w").isEmpty)
            // The owner writes, and unowned writes are not checked.
            let survivor = WorkflowOwner(executorID: "survivor", generation: 0)
            result = try await backend.commit([
                .recordStep(step("w", 1), owner: survivor), .recordStep(step("w", 2)),
                .completeWorkflow(id: "w", status: .success, outputJSON: "1", errorJSON: nil, at: 9, owner: survivor),
            ])
            #expect(result.results == [.stepRecorded, .stepRecorded, .updated(true)])
        }
    }

    @Test("every claim raises the ownership generation, and a write for an earlier generation is fenced even under the same executor id",
          arguments: BackendKind.allCases)
    func ownershipGeneration(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            func generation(_ id: String) async throws -> Int64 { try #require(try await backend.workflow(id: id)).ownerGeneration }
            try await backend.insert(workflow("w", executor: "a"), workflow("q", status: .enqueued, executor: nil, queue: "q"))
            #expect(try await generation("w") == 0, "a new row starts at generation 0")
            // A → B → A: recovered by b, then back to a.
            _ = try await backend.recover(executorIDs: ["a"], newExecutorID: "b", now: 10)
            _ = try await backend.recover(executorIDs: ["b"], newExecutorID: "a", now: 11)
            let current = try await backend.workflow(id: "w")
            #expect(current?.executorID == "a" && current?.ownerGeneration == 2)
            let stale = WorkflowOwner(executorID: "a", generation: 0)
            let before = try await backend.dump()
            // Fenced on the single-statement path, with a child inserted alongside…
            var result = try await backend.commit([
                .insertWorkflow(workflow("w-1", executor: "a", parent: "w"), parentOwner: stale),
                .recordStep(step("w", 1, child: "w-1"), owner: stale),
            ])
            #expect(result.results == [.fenced, .fenced])
            // …and on the general path.
            result = try await backend.commit([
                .expectWorkflow(id: "w", statuses: nil),
                .insertWorkflow(workflow("w-1", executor: "a", parent: "w"), parentOwner: stale),
                .recordStep(step("w", 1, child: "w-1"), owner: stale),
                .completeWorkflow(id: "w", status: .success, outputJSON: "1", errorJSON: nil, at: 9, owner: stale),
            ])
            #expect(Array(result.results.dropFirst()) == [.fenced, .fenced, .updated(false)])
            #expect(try await backend.dump() == before, "a fenced write writes nothing, not even the child")
            // The current generation writes.
            let owner = WorkflowOwner(executorID: "a", generation: 2)
            result = try await backend.commit([
                .insertWorkflow(workflow("w-1", executor: "a", parent: "w"), parentOwner: owner),
                .recordStep(step("w", 1, child: "w-1"), owner: owner),
            ])
            #expect(result.results == [.workflowInserted, .stepRecorded])
            // Dequeue, transition (resume) and requeue are claims too.
            let claimed = try await backend.dequeue(
                DequeueRequest(queueName: "q", executorID: "a", globalConcurrency: nil, workerConcurrency: nil, maxCount: 1, now: 12))
            #expect(claimed.map(\.ownerGeneration) == [1], "dequeue returns the claimed row with its new generation")
            #expect(try await generation("q") == 1)
            _ = try await backend.commit([.requeue(id: "q", from: [.pending], queue: "q", at: 13)])
            #expect(try await generation("q") == 2)
            _ = try await backend.commit([.transition(id: "w", from: [.pending], to: .pending, executorID: "c", resetRecoveryAttempts: true, at: 14)])
            #expect(try await generation("w") == 3)
        }
    }

    @Test("the oldest stalled PENDING workflow: by its latest checkpoint or status change, not counting one that waits on active children",
          arguments: BackendKind.allCases)
    func oldestStalled(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(
                workflow("stepped", createdAt: 1_000), workflow("quiet", createdAt: 500),
                workflow("parent", createdAt: 100), workflow("child", parent: "parent", createdAt: 5_000),
                workflow("done", status: .success, createdAt: 10))
            _ = try await backend.commit([.recordStep(step("stepped", 1))]) // completed at 3_001
            #expect(try await backend.oldestStalledWorkflow(before: 400) == nil, "nothing has been still since before 400")
            var stalled = try #require(try await backend.oldestStalledWorkflow(before: 10_000))
            #expect(stalled.record.id == "quiet" && stalled.lastProgressAt == 500, "the parent waits on a PENDING child; done is not PENDING")
            _ = try await backend.commit([.completeWorkflow(id: "quiet", status: .success, outputJSON: "1", errorJSON: nil, at: 9)])
            stalled = try #require(try await backend.oldestStalledWorkflow(before: 10_000))
            #expect(stalled.record.id == "stepped" && stalled.lastProgressAt == 3_001, "its checkpoint is its last progress")
            #expect(try await backend.oldestStalledWorkflow(before: 3_001) == nil)
            _ = try await backend.commit([.completeWorkflow(id: "child", status: .success, outputJSON: "1", errorJSON: nil, at: 9)])
            #expect(try await backend.oldestStalledWorkflow(before: 10_000)?.record.id == "parent", "with no active child, the parent counts")
        }
    }

    @Test("a commit reports which stepped workflows are cancelled", arguments: BackendKind.allCases)
    func cancelledIDs(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(workflow("w1", status: .cancelled), workflow("w2"), workflow("w3", status: .cancelled))
            var result = try await backend.commit([
                .recordStep(step("w1", 1)), .recordStep(step("w2", 1)), .recordStep(step("w1", 2)),
            ])
            #expect(result.cancelledWorkflowIDs == ["w1"])
            result = try await backend.commit([
                .transition(id: "w2", from: [.pending], to: .cancelled, executorID: nil, resetRecoveryAttempts: false, at: 1),
                .recordStep(step("w2", 2)),
            ])
            #expect(result.cancelledWorkflowIDs == ["w2"])
            result = try await backend.commit([.completeWorkflow(id: "w1", status: .success, outputJSON: nil, errorJSON: nil, at: 1)])
            #expect(result.cancelledWorkflowIDs.isEmpty)
        }
    }

    @Test("one commit mixing inserts, steps and completions reports each write as it would alone", arguments: BackendKind.allCases)
    func mixedCommit(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            let existing = workflow("old", queue: "q")
            try await backend.insert(existing, workflow("done", status: .cancelled), workflow("parent"))
            let recorded = step("parent", 1, output: #""first""#)
            _ = try await backend.commit([.recordStep(recorded)])
            var child = workflow("parent-2", executor: nil, parent: "parent", createdAt: 5)
            child.outputJSON = nil
            var enqueued = workflow("queued", status: .enqueued, executor: nil, queue: "q", priority: 3, attempts: 1, maxAttempts: 7)
            enqueued.errorJSON = #"{"type":"E"}"#
            let errorStep = StepRecord(workflowID: "parent", stepNumber: 3, name: "fails", outputJSON: nil,
                                       errorJSON: #"{"type":"E","message":"x"}"#, startedAt: 1, completedAt: 2)
            let result = try await backend.commit([
                .insertWorkflow(child),
                .recordStep(step("parent", 2, child: "parent-2")),
                .insertWorkflow(workflow("old", name: "other")),
                .recordStep(step("parent", 1, output: #""second""#)),
                .completeWorkflow(id: "old", status: .success, outputJSON: "7", errorJSON: nil, at: 9),
                .completeWorkflow(id: "done", status: .success, outputJSON: "8", errorJSON: nil, at: 9),
                .insertWorkflow(enqueued),
                .recordStep(errorStep),
                .recordStep(step("done", 1)),
            ])
            #expect(result.results == [
                .workflowInserted, .stepRecorded, .workflowExists(existing), .stepExists(recorded),
                .updated(true), .updated(false), .workflowInserted, .stepRecorded, .stepRecorded,
            ])
            #expect(result.cancelledWorkflowIDs == ["done"])
            #expect(try await backend.workflow(id: "parent-2") == child)
            #expect(try await backend.workflow(id: "queued") == enqueued)
            #expect(try await backend.steps(workflowID: "parent") == [recorded, step("parent", 2, child: "parent-2"), errorStep])
            let old = try #require(try await backend.workflow(id: "old"))
            #expect(old.status == .success && old.outputJSON == "7" && old.updatedAt == 9)
            #expect(try await backend.workflow(id: "done")?.status == .cancelled)
        }
    }
}
