import DurableRuntime
import DurableTesting
import Foundation
import Testing

@Suite("Workflow execution and replay")
struct WorkflowExecutionTests {
    @Test("a workflow runs its steps and children and records SUCCESS with its output", arguments: JournalKind.available)
    func runsToSuccess(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let runtime = try harness.runtime()
        let (output, record, steps) = try await withRunning(runtime) { runtime in
            let output = try await runtime.run(MixedParent.self, id: "p1", input: 1)
            return (output, try await runtime.workflow(id: "p1"), try await runtime.steps(workflowID: "p1"))
        }
        #expect(output == [11, 23, 69, 139, 15])
        #expect(record?.status == .success)
        #expect(steps.map(\.name) == ["first", "doubling_child", "middle", "doubling_child", "doubling_child", "last"])
        #expect(steps.map(\.stepNumber) == Array(1...6))
        #expect(steps[1].childWorkflowID == "p1-2", "child ids derive from the parent id and the call's position")
    }

    @Test("starting an id that exists returns the existing result without running it again", arguments: JournalKind.available)
    func startExistingID(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let runtime = try harness.runtime()
        try await withRunning(runtime) { runtime in
            let first = try await runtime.run(SequentialSteps.self, id: "same", input: 3)
            let second = try await runtime.run(SequentialSteps.self, id: "same", input: 3)
            #expect(first == 6 && second == 6)
        }
        #expect(harness.effects.snapshot == ["same:step-1": 1, "same:step-2": 1, "same:step-3": 1])
        // And in a new process too.
        let again = try await withRunning(try harness.runtime()) { try await $0.run(SequentialSteps.self, id: "same", input: 3) }
        #expect(again == 6)
        #expect(harness.effects.total == 3)
    }

    @Test("reusing an id under another workflow name is a clear error", arguments: JournalKind.available)
    func conflictingName(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        try await withRunning(try harness.runtime()) { runtime in
            _ = try await runtime.run(SequentialSteps.self, id: "taken", input: 1)
            let error = await #expect(throws: WorkflowError.self) {
                try await runtime.start(MemoWorkflow.self, id: "taken", input: Nothing())
            }
            #expect(error == .conflictingWorkflowName(workflowID: "taken", existing: "sequential_steps", requested: "memo_workflow"))
            #expect("\(error!)".contains("sequential_steps") && "\(error!)".contains("memo_workflow"))
        }
    }

    @Test("a replayed step rethrows its recorded error without running", arguments: JournalKind.available)
    func replayedError(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        struct FailsOnce: Workflow {
            static let name = "fails_once"
            let effects: SideEffects
            func run(context: WorkflowContext, input: Nothing) async throws -> String {
                do {
                    try await context.step("explode") {
                        effects.record("explode")
                        throw FlakyError(attempt: 1)
                    }
                } catch {
                    return "caught: \(error)"
                }
                return "unreachable"
            }
        }
        let register: (WorkflowRuntime) -> Void = { $0.register(FailsOnce(effects: harness.effects)) }
        let crashing = try harness.runtime(interceptor: CrashInjector(atCheckpoint: 2, moment: .afterCommit), register: register)
        try await runUntilCrash(crashing) { _ = try await $0.run(FailsOnce.self, id: "f", input: Nothing()) }
        #expect(harness.effects.count("explode") == 1)
        let output = try await withRunning(try harness.runtime(register: register)) {
            try await $0.run(FailsOnce.self, id: "f", input: Nothing())
        }
        #expect(output == "caught: flaky failure on attempt 1")
        #expect(harness.effects.count("explode") == 1, "the replay must rethrow the recorded error, not run the step")
    }

    @Test("a recorded step with another name at the same position is a non-determinism error naming both", arguments: JournalKind.available)
    func nonDeterminism(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        struct Version1: Workflow {
            static let name = "evolving"
            func run(context: WorkflowContext, input: Nothing) async throws -> Int {
                try await context.step("load_customers") { 1 } + (try await context.step("second") { 2 })
            }
        }
        struct Version2: Workflow {
            static let name = "evolving"
            func run(context: WorkflowContext, input: Nothing) async throws -> Int {
                try await context.step("load_orders") { 1 }
            }
        }
        // Version 1 records its first step, then the process dies.
        let crashing = try harness.runtime(interceptor: CrashInjector(atCheckpoint: 3), register: { $0.register(Version1()) })
        try await runUntilCrash(crashing) { _ = try await $0.run(Version1.self, id: "evo", input: Nothing()) }
        // Version 2 is deployed and recovers it.
        let error = try await withRunning(try harness.runtime(register: { $0.register(Version2()) })) { runtime in
            await #expect(throws: WorkflowError.self) { try await runtime.handle(id: "evo", of: Version2.self).result() }
        }
        let message = "\(try #require(error))"
        #expect(message.contains("load_customers") && message.contains("load_orders") && message.contains("not deterministic"), "\(message)")
    }

    @Test("concurrent steps get numbers in index order whatever the scheduling; overlapping plain steps are refused",
          arguments: JournalKind.available)
    func concurrentNumbering(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        struct FanOut: Workflow {
            static let name = "fan_out"
            func run(context: WorkflowContext, input: Nothing) async throws -> [Int] {
                try await context.step("before") {}
                return try await context.concurrentSteps("square", count: 8) { index in
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...15)))
                    return index * index
                }
            }
        }
        struct Overlapping: Workflow {
            static let name = "overlapping"
            func run(context: WorkflowContext, input: Nothing) async throws -> Int {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<2 {
                        group.addTask { try await context.step("racy-\(index)") { try await Task.sleep(for: .milliseconds(20)); return index } }
                    }
                    return try await group.reduce(0, +)
                }
            }
        }
        try await withRunning(try harness.runtime(register: { $0.register(FanOut()); $0.register(Overlapping()) })) { runtime in
            let squares = try await runtime.run(FanOut.self, id: "fan", input: Nothing())
            #expect(squares == (0..<8).map { $0 * $0 })
            let steps = try await runtime.steps(workflowID: "fan")
            #expect(steps.map(\.stepNumber) == Array(1...9))
            #expect(steps.dropFirst().map(\.outputJSON) == (0..<8).map { "\($0 * $0)" })

            let error = await #expect(throws: WorkflowError.self) { try await runtime.run(Overlapping.self, id: "racy", input: Nothing()) }
            #expect("\(error!)".contains("concurrentSteps"))
        }
    }

    @Test("now and uuid are memoised: a fork past them sees the same values", arguments: JournalKind.available)
    func memoisedValues(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        try await withRunning(try harness.runtime()) { runtime in
            let original = try await runtime.run(MemoWorkflow.self, id: "memo", input: Nothing())
            let fork = try await runtime.fork(id: "memo", fromStep: 3, newID: "memo-fork")
            let forked = try await runtime.handle(id: fork.id, of: MemoWorkflow.self).result()
            #expect(forked == original)
            #expect(harness.effects.count("memo:after") == 1 && harness.effects.count("memo-fork:after") == 1)
        }
    }

    @Test("a durable sleep records its wake-up time and is not slept again on replay", arguments: JournalKind.available)
    func durableSleep(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let clock = ManualClock()
        struct Sleeper: Workflow {
            static let name = "sleeper"
            func run(context: WorkflowContext, input: Nothing) async throws -> String {
                try await context.sleep(for: .seconds(90))
                return try await context.step("wake") { "awake" }
            }
        }
        let crashing = try harness.runtime(clock: clock, interceptor: CrashInjector(atCheckpoint: 3), register: { $0.register(Sleeper()) })
        try await runUntilCrash(crashing) { _ = try await $0.run(Sleeper.self, id: "zz", input: Nothing()) }
        #expect(clock.sleeps == [.seconds(90)])
        let output = try await withRunning(try harness.runtime(clock: clock, register: { $0.register(Sleeper()) })) {
            try await $0.handle(id: "zz", of: Sleeper.self).result()
        }
        #expect(output == "awake")
        #expect(clock.sleeps == [.seconds(90)], "the recovered workflow's wake-up time has passed; it must not sleep again")
    }

    @Test("concurrent workflows share group commits", arguments: JournalKind.available)
    func groupCommit(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        // A SQLite commit now takes tens of microseconds on the committing thread; on a loaded
        // machine the 32 workflows need not submit while one is in flight. Each commit lasts
        // 2 ms more here, so writes that arrive during it must share the next one.
        let runtime = try harness.runtime(commitDelay: .milliseconds(2))
        try await withRunning(runtime) { runtime in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<32 {
                    group.addTask { try await runtime.run(SequentialSteps.self, id: "gc-\(index)", input: 10) }
                }
                for try await sum in group { #expect(sum == 55) }
            }
        }
        let checkpoints = await runtime.journal.checkpointCount
        let commits = await runtime.journal.commitCount
        #expect(checkpoints == 32 * 12, "32 × (insert + 10 steps + completion)")
        #expect(commits < checkpoints, "\(commits) commits for \(checkpoints) checkpoints: writes that arrive together must share a transaction")
        #expect(harness.effects.snapshot.values.allSatisfy { $0 == 1 })
    }
}
