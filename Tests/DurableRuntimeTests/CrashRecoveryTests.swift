import DurableRuntime
import DurableTesting
import Foundation
import Testing

@Suite("Crash recovery")
struct CrashRecoveryTests {
    /// The committed step outcomes (not child calls) in a journal, as "<workflow id>:<step>".
    static func committedSteps(_ journal: TemporaryJournal) async throws -> Set<String> {
        try await DurableClient.withClient(backend: try journal.open(), defaultQueue: "default") { runtime in
            var keys: Set<String> = []
            for workflow in try await runtime.listWorkflows() {
                for step in try await runtime.steps(workflowID: workflow.id) where step.childWorkflowID == nil {
                    keys.insert("\(workflow.id):\(step.name)")
                }
            }
            return keys
        }
    }

    /// The number of checkpoints a finished run wrote: two per workflow, one per operation.
    static func checkpointTotal(_ journal: TemporaryJournal) async throws -> Int {
        try await DurableClient.withClient(backend: try journal.open(), defaultQueue: "default") { runtime in
            var total = 0
            for workflow in try await runtime.listWorkflows() {
                total += 2 + (try await runtime.steps(workflowID: workflow.id)).count
            }
            return total
        }
    }

    @Test(
        "a crash at every checkpoint k of a workflow with children recovers to the uncrashed output, each committed step run once",
        arguments: JournalKind.available, CrashInjector.Moment.allCases)
    func crashAtEveryCheckpoint(kind: JournalKind, moment: CrashInjector.Moment) async throws {
        // The uncrashed run gives the expected output and K, the number of checkpoints.
        let baseline = try RuntimeHarness(kind)
        let baselineRuntime = try baseline.runtime()
        let expected = try await withRunning(baselineRuntime) { try await $0.run(MixedParent.self, id: "crash", input: 1) }
        // Every workflow row is written twice (insert, completion) and every operation once. Counted
        // from the journal, because the journal actor's own counter may miss the last commit when
        // the runtime is stopped while that commit's reply is on its way.
        let checkpointCount = try await Self.checkpointTotal(baseline.journal)
        #expect(baseline.effects.snapshot.values.allSatisfy { $0 == 1 })
        #expect(checkpointCount >= 20, "the workflow under test should have many checkpoints, has \(checkpointCount)")

        for k in 1...checkpointCount {
            if ProcessInfo.processInfo.environment["DEBUG_CRASH"] != nil { print("DEBUG k=\(k) \(kind) \(moment)") }
            let harness = try RuntimeHarness(kind)
            let crashing = try harness.runtime(interceptor: CrashInjector(atCheckpoint: k, moment: moment))
            try await runUntilCrash(crashing) { runtime in
                _ = try await runtime.run(MixedParent.self, id: "crash", input: 1)
            }
            let afterCrash = harness.effects.snapshot
            let committed = try await Self.committedSteps(harness.journal)

            // A new process on the same journal: start the same id again and wait.
            if ProcessInfo.processInfo.environment["DEBUG_CRASH"] != nil { print("DEBUG recovering k=\(k) \(kind) \(moment)") }
            let recovered = try harness.runtime()
            let output = try await withRunning(recovered) { try await $0.run(MixedParent.self, id: "crash", input: 1) }

            #expect(output == expected, "k=\(k) \(moment): output differs from the uncrashed run")
            #expect(harness.effects.snapshot.keys.sorted() == baseline.effects.snapshot.keys.sorted(), "k=\(k) \(moment)")
            for (key, total) in harness.effects.snapshot {
                if committed.contains(key) {
                    #expect(total == 1, "k=\(k) \(moment): committed step \(key) ran \(total) times")
                } else {
                    let ranBeforeCrash = afterCrash[key, default: 0]
                    #expect(ranBeforeCrash <= 1 && total - ranBeforeCrash == 1,
                            "k=\(k) \(moment): uncommitted step \(key) ran \(ranBeforeCrash) times before the crash and \(total - ranBeforeCrash) after")
                }
            }
        }
    }

    @Test("a workflow recovered more often than its limit is dead-lettered", arguments: JournalKind.available)
    func maxRecoveryAttempts(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        // GatedWorkflow allows 2 recoveries. Each process start recovers it once; the gate
        // never opens, so every process stops with the workflow still PENDING.
        for expectedAttempts in 0...2 {
            let runtime = try harness.runtime()
            try await withRunning(runtime) { runtime in
                if expectedAttempts == 0 {
                    try await runtime.start(GatedWorkflow.self, id: "stuck", input: "x")
                }
                try await waitUntil { harness.effects.count("stuck:blocked") == expectedAttempts + 1 }
                let record = try #require(try await runtime.workflow(id: "stuck"))
                #expect(record.status == .pending)
                #expect(record.recoveryAttempts == expectedAttempts)
            }
        }
        let last = try harness.runtime()
        let record = try await withRunning(last) { runtime in
            try await runtime.handle(id: "stuck", of: GatedWorkflow.self).status()
        }
        #expect(record.status == .maxRecoveryAttemptsExceeded)
        #expect(record.recoveryAttempts == 3)
        #expect(harness.effects.count("stuck:before") == 1)
        #expect(harness.effects.count("stuck:blocked") == 3, "the third recovery must not run it again")
    }

    @Test("an explicit recovery runs the pending workflows of a dead executor", arguments: JournalKind.available)
    func recoverOtherExecutor(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let gate = Gate()
        let dead = try harness.runtime(executorID: "dead-host", gate: gate)
        try await withRunning(dead) { runtime in
            try await runtime.start(GatedWorkflow.self, id: "orphan", input: "o")
            try await waitUntil { harness.effects.count("orphan:blocked") == 1 }
        }
        gate.open()
        let survivor = try harness.runtime(executorID: "survivor", gate: gate)
        let output = try await withRunning(survivor) { runtime in
            #expect(try await runtime.workflow(id: "orphan")?.executorID == "dead-host")
            let claim = try await runtime.recover(executorIDs: ["dead-host"])
            #expect(claim.toRun.map(\.id) == ["orphan"])
            return try await runtime.handle(id: "orphan", of: GatedWorkflow.self).result()
        }
        #expect(output == "done o")
        #expect(harness.effects.count("orphan:before") == 1)
        #expect(harness.effects.count("orphan:after") == 1)
    }
}

/// Polls `condition` every 10 ms for up to `seconds` (a bound for a failure, generous for a
/// loaded CI machine: it costs nothing when the condition holds); fails the test if it never holds.
func waitUntil(seconds: Double = 30, _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("condition not met within \(seconds) s")
    throw CancellationError()
}
