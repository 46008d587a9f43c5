import DurableRuntime
import DurableTesting
import Foundation
import Testing

@Suite("Queues")
struct QueueTests {
    @Test("a deduplication id admits one active workflow per queue, and is free again once it finished",
          arguments: JournalKind.available)
    func deduplication(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let gate = Gate()
        let queue = WorkflowQueue("dedup_queue", globalConcurrency: 2)
        try await withRunning(try harness.runtime(queues: [queue], gate: gate)) { runtime in
            let options = EnqueueOptions(deduplicationID: "nightly")
            let first = try await runtime.enqueue(GatedWorkflow.self, queue: "dedup_queue", id: "d1", input: "1", options: options)
            let error = await #expect(throws: WorkflowError.self) {
                try await runtime.enqueue(GatedWorkflow.self, queue: "dedup_queue", id: "d2", input: "2", options: options)
            }
            #expect(error == .deduplicated(queue: "dedup_queue", deduplicationID: "nightly", existingWorkflowID: "d1"))
            #expect(try await runtime.workflow(id: "d2") == nil)
            // Another dedup id, or the same one on another queue, is admitted.
            try await runtime.enqueue(SequentialSteps.self, queue: "dedup_queue", id: "d3", input: 1, options: EnqueueOptions(deduplicationID: "other"))
            try await runtime.enqueue(SequentialSteps.self, queue: "elsewhere", id: "d4", input: 1, options: options)
            gate.open()
            #expect(try await first.result() == "done 1")
            let again = try await runtime.enqueue(GatedWorkflow.self, queue: "dedup_queue", id: "d5", input: "5", options: options)
            #expect(try await again.result() == "done 5")
        }
    }

    @Test("enqueued work is picked up promptly, by priority", arguments: JournalKind.available)
    func priorityAndPromptness(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let queue = WorkflowQueue("prio", globalConcurrency: 1)
        // With a one-minute poll, only a wake-up can make the queued workflow run in time.
        let runtime = try harness.runtime(queues: [queue], queuePollInterval: .seconds(60))
        try await withRunning(runtime) { runtime in
            // Fill the queue while its only slot is taken, then check the run order.
            let blocker = try await runtime.enqueue(SequentialSteps.self, queue: "prio", id: "blocker", input: 1)
            _ = try await blocker.result()
            let quick = try await runtime.enqueue(SequentialSteps.self, queue: "prio", id: "quick", input: 1)
            try await waitUntil(seconds: 20) { try await runtime.workflow(id: "quick")?.status == .success }
            _ = try await quick.result()
        }
        let order = OrderLog()
        let register: (WorkflowRuntime) -> Void = { $0.register(OrderedWorkflow(order: order)) }
        let ordered = try harness.runtime(queues: [queue], register: register)
        try await harness.withClient { client in
            for (id, priority) in [("low", 10), ("high", 1), ("mid", 5)] {
                _ = try await client.enqueue(
                    name: OrderedWorkflow.name, inputJSON: "1", id: id, queue: "prio", options: EnqueueOptions(priority: priority))
            }
        }
        try await withRunning(ordered) { runtime in
            for id in ["low", "high", "mid"] { _ = try await runtime.handle(id: id, of: OrderedWorkflow.self).result() }
            #expect(order.entries == ["high", "mid", "low"], "lower priority values run first")
        }
    }

    @Test("two runtimes sharing a journal never exceed a queue's global concurrency and run each workflow once",
          arguments: JournalKind.available)
    func globalConcurrencyAcrossRuntimes(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let gauge = ConcurrencyGauge(target: 3)
        let queue = WorkflowQueue("shared", globalConcurrency: 3, workerConcurrency: 3)
        let first = try harness.runtime(executorID: "host-a", queues: [queue], gauge: gauge)
        let second = try harness.runtime(executorID: "host-b", queues: [queue], gauge: gauge)
        try await withRunning(first) { first in
            try await withRunning(second) { second in
                var handles: [WorkflowHandle<Int>] = []
                for index in 0..<24 {
                    let via = index.isMultiple(of: 2) ? first : second
                    handles.append(try await via.enqueue(GaugedWorkflow.self, queue: "shared", id: "g-\(index)", input: index))
                }
                for (index, handle) in handles.enumerated() { #expect(try await handle.result() == index) }
            }
        }
        #expect(gauge.peak <= 3, "at most 3 may run at once across both runtimes; saw \(gauge.peak)")
        #expect(gauge.peak == 3, "the queue should fill its 3 slots; saw \(gauge.peak)")
        #expect(harness.effects.snapshot.count == 24)
        #expect(harness.effects.snapshot.values.allSatisfy { $0 == 1 }, "every workflow runs exactly once")
    }
}
