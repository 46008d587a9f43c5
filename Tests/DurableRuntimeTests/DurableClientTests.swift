import DurableRuntime
import DurableTesting
import Foundation
import Testing

/// The management layer alone: a client with no worker, its hand-off policy, and the refusals
/// of its recovery. Both journal backends.
@Suite("Durable client")
struct DurableClientTests {
    /// A row of workflow `name` with `status`, owned by `executor`, inserted as a dead process left it.
    static func row(_ id: String, name: String = SequentialSteps.name, status: WorkflowStatus, executor: String? = nil,
                    queue: String? = nil, input: String = "2") -> WorkflowRecord {
        WorkflowRecord(id: id, name: name, status: status, inputJSON: input, executorID: executor, queueName: queue,
                       createdAt: 1_000, updatedAt: 1_000)
    }

    @Test("a client with no worker enqueues by name on its default queue or the one named, runs nothing, and reports an existing id",
          arguments: JournalKind.available)
    func enqueueByName(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        try await harness.withClient(defaultQueue: "default-q", queues: [WorkflowQueue("default-q"), WorkflowQueue("other")]) { client in
            let first = try await client.enqueue(name: SequentialSteps.name, inputJSON: #"{"a":1,"b":2}"#, id: "w1")
            #expect(!first.existed)
            #expect(first.record.status == .enqueued && first.record.queueName == "default-q")
            let named = try await client.enqueue(name: SequentialSteps.name, inputJSON: "3", id: "w2", queue: "other")
            #expect(named.record.queueName == "other")

            // The same id again: nothing enqueued; the same value in another spelling is not a difference.
            let again = try await client.enqueue(name: SequentialSteps.name, inputJSON: #"{ "b": 2, "a": 1 }"#, id: "w1")
            #expect(again.existed && !again.inputDiffers)
            let differs = try await client.enqueue(name: SequentialSteps.name, inputJSON: #"{"a":9}"#, id: "w1")
            #expect(differs.existed && differs.inputDiffers && differs.record.inputJSON == #"{"a":1,"b":2}"#)
            await #expect(throws: WorkflowError.conflictingWorkflowName(workflowID: "w1", existing: SequentialSteps.name, requested: "other_name")) {
                _ = try await client.enqueue(name: "other_name", inputJSON: "1", id: "w1")
            }
            await #expect(throws: WorkflowError.self) { _ = try await client.enqueue(name: SequentialSteps.name, inputJSON: "1", id: "bad\u{0}id") }

            // Nothing in this process executes: after a while both are still waiting.
            try await Task.sleep(for: .milliseconds(300))
            let statistics = try await client.queueStatistics()
            #expect(statistics.map(\.queue.name) == ["default-q", "other"])
            #expect(statistics.map(\.enqueued) == [1, 1] && statistics.map(\.pending) == [0, 0])
            #expect(statistics.first?.oldestEnqueued?.id == "w1")
        }
    }

    @Test("resume and fork hand a workflow to its own queue, else the client's default queue; a worker of that queue runs it",
          arguments: JournalKind.available)
    func handOffPolicy(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        // A worker ran "direct" (no queue) and "queued" (on q) to the end, then both were cancelled
        // or failed as far as a resume cares: written here as ERROR rows with their steps.
        try await withRunning(try harness.runtime(queues: [WorkflowQueue("q")])) { runtime in
            _ = try await runtime.run(SequentialSteps.self, id: "direct", input: 2)
            _ = try await runtime.enqueue(SequentialSteps.self, queue: "q", id: "queued", input: 2).result()
        }
        try await harness.withClient(defaultQueue: "fallback") { client in
            for id in ["direct", "queued"] {
                _ = try await client.journal.submit(.transition(id: id, from: [.success], to: .error, executorID: nil, resetRecoveryAttempts: false, at: 2_000))
            }
            #expect(try await client.resume(id: "direct").queueName == "fallback")
            #expect(try await client.resume(id: "queued").queueName == "q")
            await #expect(throws: WorkflowError.invalidState(workflowID: "queued", status: .enqueued, action: "resume")) {
                try await client.resume(id: "queued")
            }
            let fork = try await client.fork(id: "queued", fromStep: 2, newID: "queued-fork")
            #expect(fork.status == .enqueued && fork.queueName == "q")
            #expect(try await client.steps(workflowID: "queued-fork").map(\.name) == ["step-1"])
            #expect(try await client.fork(id: "direct", fromStep: 1, newID: "direct-fork").queueName == "fallback")
            await #expect(throws: WorkflowError.forkPastEnd(workflowID: "direct", step: 4, recorded: 2)) {
                try await client.fork(id: "direct", fromStep: 4)
            }
        }
        // A worker of both queues runs what the client handed over.
        try await withRunning(try harness.runtime(queues: [WorkflowQueue("q"), WorkflowQueue("fallback")])) { runtime in
            for id in ["direct", "queued", "queued-fork", "direct-fork"] {
                let sum = try await runtime.handle(id: id, of: SequentialSteps.self).result()
                #expect(sum == 3, "\(id)")
            }
        }
        #expect(harness.effects.count("queued-fork:step-1") == 0, "a fork reuses the steps before its step")
        #expect(harness.effects.count("queued-fork:step-2") == 1)
    }

    @Test("cancel reports the status before and every id it cancelled; a finished workflow is left as it is",
          arguments: JournalKind.available)
    func cancel(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        try await harness.withClient { client in
            _ = try await client.journal.submit([.insertWorkflow(Self.row("done", status: .success)), .insertWorkflow(Self.row("waiting", status: .enqueued, queue: "q"))])
            let waiting = try await client.cancel(id: "waiting")
            #expect(waiting.previousStatus == .enqueued && waiting.record.status == .cancelled && waiting.cancelledIDs == ["waiting"])
            let done = try await client.cancel(id: "done")
            #expect(done.previousStatus == .success && done.record.status == .success && done.cancelledIDs.isEmpty)
            await #expect(throws: WorkflowError.notFound(workflowID: "nope")) { _ = try await client.cancel(id: "nope") }
        }
    }

    @Test("recover refuses an executor whose lease is live, and without a worker needs a live executor, which then runs the workflows",
          arguments: JournalKind.available)
    func recoverPolicy(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        // "old" ran without a lease and died, leaving a PENDING workflow with one step done.
        try await harness.withClient { client in
            _ = try await client.journal.submit(.insertWorkflow(Self.row("orphan", status: .pending, executor: "old")))
            await #expect(throws: WorkflowError.noLiveExecutor(executorIDs: ["old"])) { try await client.recover(executorIDs: ["old"]) }
            await #expect(throws: WorkflowError.invalidExecutorIDs(reason: "no executor id given; name the executors whose workflows to recover")) {
                try await client.recover(executorIDs: [])
            }
            // The runtime holds the executor-id rule, not only the command line: an id of only
            // whitespace is refused however it arrives.
            await #expect(throws: WorkflowError.invalidExecutorIDs(reason: "executor id '  ' is not valid: an executor id must not be only whitespace")) {
                try await client.recover(executorIDs: ["  "])
            }
            #expect(try await client.existingWorkflow(id: "orphan").executorID == "old", "a refused recovery writes nothing")
        }
        let live = try harness.runtime(executorID: "live", executorLease: .seconds(30), leaseRenewInterval: .milliseconds(200))
        try await withRunning(live) { runtime in
            try await harness.withClient { client in
                await #expect(throws: WorkflowError.self) { try await client.recover(executorIDs: ["live"]) }
                do {
                    try await client.recover(executorIDs: ["live"])
                } catch let error as WorkflowError {
                    guard case .executorLive(let executorID, _, let secondsLeft) = error else {
                        Issue.record("expected executorLive, got \(error)")
                        return
                    }
                    #expect(executorID == "live" && secondsLeft > 0)
                }
                let claim = try await client.recover(executorIDs: ["old"])
                #expect(claim.toRun.map(\.id) == ["orphan"])
            }
            // The live executor adopts what it was given and runs it to the end.
            #expect(try await runtime.handle(id: "orphan", of: SequentialSteps.self).result() == 3)
        }
    }
}
