import DurableRuntime
import DurableTesting
import Foundation
import Testing

@Suite("Workflow management")
struct ManagementTests {
    @Test("cancel stops a running workflow at its next step with CANCELLED; resume finishes it from its checkpoints",
          arguments: JournalKind.available)
    func cancelAndResume(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let gate = Gate()
        try await withRunning(try harness.runtime(gate: gate)) { runtime in
            let handle = try await runtime.start(GatedWorkflow.self, id: "c1", input: "c")
            try await waitUntil { harness.effects.count("c1:blocked") == 1 }
            let cancelled = try await runtime.cancel(id: "c1")
            #expect(cancelled.status == .cancelled)
            gate.open()
            await #expect(throws: WorkflowError.cancelled(workflowID: "c1")) { try await handle.result() }
            try await waitUntil { !runtime.isExecuting(id: "c1") }
            #expect(harness.effects.count("c1:after") == 0, "a cancelled workflow must not start its next step")
            #expect(try await runtime.workflow(id: "c1")?.status == .cancelled)

            try await runtime.resume(id: "c1")
            #expect(try await handle.result() == "done c")
            #expect(harness.effects.snapshot == ["c1:before": 1, "c1:blocked": 1, "c1:after": 1])
        }
    }

    @Test("resume reruns a failed workflow from its checkpoints", arguments: JournalKind.available)
    func resumeFailed(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let flaky = Flaky(failures: 1)
        struct TwoPhase: Workflow {
            static let name = "two_phase"
            let effects: SideEffects
            let flaky: Flaky
            func run(context: WorkflowContext, input: Nothing) async throws -> String {
                try await context.step("prepare") { effects.record("prepare") }
                // A workflow-level failure (outside a step) so that resume can succeed.
                let attempt = try await context.step("probe") { () -> Bool in
                    do { _ = try flaky.attempt(); return true } catch { return false }
                }
                if !attempt { throw FlakyError(attempt: 1) }
                return "finished"
            }
        }
        try await withRunning(try harness.runtime(register: { $0.register(TwoPhase(effects: harness.effects, flaky: flaky)) })) { runtime in
            await #expect(throws: WorkflowError.self) { try await runtime.run(TwoPhase.self, id: "tp", input: Nothing()) }
            #expect(try await runtime.workflow(id: "tp")?.status == .error)
            // The failed probe was recorded, so resuming replays it and fails the same way:
            // resume is not retry. Fork from the probe instead to run it again.
            let forked = try await runtime.fork(id: "tp", fromStep: 2, newID: "tp-2")
            #expect(try await runtime.handle(id: forked.id, of: TwoPhase.self).result() == "finished")
            #expect(harness.effects.count("prepare") == 1, "the fork reuses the recorded first step")

            try await runtime.resume(id: "tp")
            await #expect(throws: WorkflowError.self) { try await runtime.handle(id: "tp", of: TwoPhase.self).result() }
            #expect(flaky.attemptCount == 2, "resume replays recorded steps: the probe did not run again")
        }
    }

    @Test("fork from step N copies the checkpoints before N and runs the rest anew", arguments: JournalKind.available)
    func fork(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        try await withRunning(try harness.runtime()) { runtime in
            #expect(try await runtime.run(SequentialSteps.self, id: "orig", input: 4) == 10)
            let forked = try await runtime.fork(id: "orig", fromStep: 3)
            #expect(forked.id != "orig")
            #expect(try await runtime.handle(id: forked.id, of: SequentialSteps.self).result() == 10)
            let steps = try await runtime.steps(workflowID: forked.id)
            #expect(steps.map(\.name) == ["step-1", "step-2", "step-3", "step-4"])
            for index in 1...2 { #expect(harness.effects.count("\(forked.id):step-\(index)") == 0) }
            for index in 3...4 { #expect(harness.effects.count("\(forked.id):step-\(index)") == 1) }
        }
    }

    @Test("a fork from past the last recorded step is refused, naming the range, and writes nothing", arguments: JournalKind.available)
    func forkPastEnd(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        try await withRunning(try harness.runtime()) { runtime in
            #expect(try await runtime.run(SequentialSteps.self, id: "orig", input: 3) == 6)
            let before = try await runtime.listWorkflows(WorkflowQuery())
            let error = await #expect(throws: WorkflowError.self) { try await runtime.fork(id: "orig", fromStep: 99, newID: "too-far") }
            #expect(error == .forkPastEnd(workflowID: "orig", step: 99, recorded: 3))
            #expect(error?.description.contains("1 to 4") == true, "\(String(describing: error))")
            #expect(try await runtime.listWorkflows(WorkflowQuery()) == before, "nothing written")
            // One past the last step keeps every step: allowed.
            let whole = try await runtime.fork(id: "orig", fromStep: 4, newID: "whole")
            #expect(try await runtime.handle(id: whole.id, of: SequentialSteps.self).result() == 6)
        }
    }

    @Test("a fork refused because its new id exists copies no step into that workflow",
          arguments: JournalKind.available)
    func refusedForkCopiesNothing(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        try await withRunning(try harness.runtime()) { runtime in
            #expect(try await runtime.run(SequentialSteps.self, id: "orig", input: 4) == 10)
            // Another tenant's run, queued where no worker runs yet: no steps.
            try await runtime.enqueue(SequentialSteps.self, queue: "nobody_works_this", id: "victim", input: 2)
            await #expect(throws: WorkflowError.self) { try await runtime.fork(id: "orig", fromStep: 3, newID: "victim") }
            #expect(try await runtime.steps(workflowID: "victim").isEmpty, "the refused fork must not copy orig's steps")
            let victim = try #require(try await runtime.workflow(id: "victim"))
            #expect(victim.status == .enqueued && victim.inputJSON == "2")
        }
    }

    @Test("list filters by status, name, id prefix, time range and queue, with limit, offset and order",
          arguments: JournalKind.available)
    func listWorkflows(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let clock = ManualClock()
        try await withRunning(try harness.runtime(clock: clock)) { runtime in
            for index in 1...4 {
                clock.advance(by: 10)
                _ = try await runtime.run(SequentialSteps.self, id: "seq-\(index)", input: 1)
            }
            clock.advance(by: 10)
            _ = try await runtime.run(MemoWorkflow.self, id: "memo-1", input: Nothing())
            clock.advance(by: 10)
            try await runtime.enqueue(SequentialSteps.self, queue: "nobody_works_this", id: "queued-1", input: 1)

            let all = try await runtime.listWorkflows()
            #expect(all.map(\.id) == ["queued-1", "memo-1", "seq-4", "seq-3", "seq-2", "seq-1"])
            #expect(try await runtime.listWorkflows(WorkflowQuery(statuses: [.enqueued])).map(\.id) == ["queued-1"])
            #expect(try await runtime.listWorkflows(WorkflowQuery(name: "memo_workflow")).map(\.id) == ["memo-1"])
            #expect(try await runtime.listWorkflows(WorkflowQuery(idPrefix: "seq-", limit: 2, offset: 1, order: .ascending)).map(\.id) == ["seq-2", "seq-3"])
            #expect(try await runtime.listWorkflows(WorkflowQuery(queueName: "nobody_works_this")).map(\.id) == ["queued-1"])
            let seq2 = try #require(all.first { $0.id == "seq-2" })
            let seq3 = try #require(all.first { $0.id == "seq-3" })
            let range = WorkflowQuery(createdAfter: seq2.createdAt, createdBefore: seq3.createdAt + 1)
            #expect(try await runtime.listWorkflows(range).map(\.id) == ["seq-3", "seq-2"])
        }
    }
}
