import DurableRuntime
import DurableTesting
import Testing

@Suite("Cancel and resume of a workflow tree", .timeLimit(.minutes(1)))
struct CancelTreeTests {
    private func treeRuntime(_ harness: RuntimeHarness, gate: Gate) throws -> WorkflowRuntime {
        try harness.runtime(gate: gate) { runtime in
            runtime.register(TreeParent(effects: harness.effects))
            runtime.register(TreeChild(effects: harness.effects, gate: gate))
            runtime.register(AwaitingParent(effects: harness.effects))
        }
    }

    @Test("cancelling a parent stops its running child and grandchild at their next step; resuming it finishes the tree, each step once",
          arguments: JournalKind.available)
    func cancelAndResumeTree(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let gate = Gate()
        try await withRunning(try treeRuntime(harness, gate: gate)) { runtime in
            let handle = try await runtime.start(TreeParent.self, id: "t", input: "x")
            try await waitUntil { harness.effects.count("t-3:blocked") == 1 && harness.effects.count("t-3-2:blocked") == 1 }
            let finishedChild = try await runtime.existingWorkflow(id: "t-2")
            #expect(finishedChild.status == .success)

            #expect(try await runtime.cancel(id: "t").status == .cancelled)
            let tree = ["t", "t-3", "t-3-2", "t-3-3"]
            for id in tree { #expect(try await runtime.existingWorkflow(id: id).status == .cancelled, "\(id)") }
            gate.open()
            await #expect(throws: WorkflowError.cancelled(workflowID: "t")) { try await handle.result() }
            try await waitUntil { tree.allSatisfy { !runtime.isExecuting(id: $0) } }
            for key in ["t:after", "t-3:after", "t-3-2:after", "t-3-3:double"] {
                #expect(harness.effects.count(key) == 0, "a cancelled workflow must not start its next step: \(key)")
            }
            for id in tree { #expect(try await runtime.existingWorkflow(id: id).status == .cancelled, "\(id)") }
            #expect(try await runtime.existingWorkflow(id: "t-2") == finishedChild, "a finished child is left as it is")

            try await runtime.resume(id: "t")
            #expect(try await handle.result() == "3 done x")
            #expect(try await runtime.handle(id: "t-3-3", of: DoublingChild.self).result() == 11)
            for id in tree { #expect(try await runtime.existingWorkflow(id: id).status == .success, "\(id)") }
            #expect(try await runtime.existingWorkflow(id: "t-2") == finishedChild)
            let once = [
                "t:before", "t-2:double", "t-2:increment", "t-3:before", "t-3:blocked", "t-3:after",
                "t-3-2:before", "t-3-2:blocked", "t-3-2:after", "t-3-3:double", "t-3-3:increment", "t:after",
            ]
            #expect(harness.effects.snapshot == Dictionary(uniqueKeysWithValues: once.map { ($0, 1) }))
        }
    }

    @Test("a cancel from another runtime on the same journal stops the running tree at its next checkpoints; resume finishes it",
          arguments: JournalKind.available)
    func cancelTreeFromAnotherRuntime(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let gate = Gate()
        try await withRunning(try treeRuntime(harness, gate: gate)) { runtime in
            let handle = try await runtime.start(TreeParent.self, id: "x", input: "z")
            try await waitUntil { harness.effects.count("x-3:blocked") == 1 && harness.effects.count("x-3-2:blocked") == 1 }
            let cancelled = try await harness.withClient { admin in try await admin.cancel(id: "x").record }
            #expect(cancelled.status == .cancelled)
            gate.open()
            let tree = ["x", "x-3", "x-3-2", "x-3-3"]
            try await waitUntil { tree.allSatisfy { !runtime.isExecuting(id: $0) } }
            for id in tree { #expect(try await runtime.existingWorkflow(id: id).status == .cancelled, "\(id)") }
            for key in ["x:after", "x-3:after", "x-3-2:after", "x-3-3:double"] {
                #expect(harness.effects.count(key) == 0, "a cancelled workflow must not start its next step: \(key)")
            }

            try await runtime.resume(id: "x")
            #expect(try await handle.result() == "3 done z")
            #expect(try await runtime.handle(id: "x-3-3", of: DoublingChild.self).result() == 11)
            #expect(harness.effects.snapshot.values.allSatisfy { $0 == 1 }, "\(harness.effects.snapshot)")
            #expect(harness.effects.snapshot.count == 12)
        }
    }

    @Test("a tree cancelled and then resumed by another process (elt cancel, elt resume) finishes, each step once",
          arguments: JournalKind.available)
    func cancelAndResumeFromAnotherProcess(kind: JournalKind) async throws {
        // The running process learns of the cancel from its commits and marks the ids on its
        // board; the resume commits elsewhere, so nothing here clears those marks. The resumed
        // executions must not take the stale marks for a new cancel (they stopped at their
        // first operation and stayed PENDING forever, and the parent failed with 'workflow
        // y-3 was cancelled').
        let harness = try RuntimeHarness(kind)
        let gate = Gate()
        let runtime = try harness.runtime(queues: [WorkflowQueue("handoff")], queuePollInterval: .milliseconds(50), gate: gate) { runtime in
            runtime.register(TreeParent(effects: harness.effects))
            runtime.register(TreeChild(effects: harness.effects, gate: gate))
            runtime.register(AwaitingParent(effects: harness.effects))
        }
        try await withRunning(runtime) { runtime in
            let handle = try await runtime.start(TreeParent.self, id: "y", input: "w")
            try await waitUntil { harness.effects.count("y-3:blocked") == 1 && harness.effects.count("y-3-2:blocked") == 1 }
            _ = try await harness.withClient { admin in try await admin.cancel(id: "y") }
            gate.open()
            let tree = ["y", "y-3", "y-3-2", "y-3-3"]
            try await waitUntil { tree.allSatisfy { !runtime.isExecuting(id: $0) } }
            for id in tree { #expect(try await runtime.existingWorkflow(id: id).status == .cancelled, "\(id)") }

            // A hand-off resume, as `elt resume` does: the tree goes on the queue a server works,
            // except the queued child, which goes back on its own (idle) queue.
            _ = try await harness.withClient(defaultQueue: "handoff") { admin in try await admin.resume(id: "y") }
            #expect(try await handle.result() == "3 done w")
            for id in ["y", "y-3", "y-3-2"] { #expect(try await runtime.existingWorkflow(id: id).status == .success, "\(id)") }
            let queued = try await runtime.existingWorkflow(id: "y-3-3")
            #expect(queued.status == .enqueued && queued.queueName == TreeChild.idleQueue)
            let once = [
                "y:before", "y-2:double", "y-2:increment", "y-3:before", "y-3:blocked", "y-3:after",
                "y-3-2:before", "y-3-2:blocked", "y-3-2:after", "y:after",
            ]
            #expect(harness.effects.snapshot == Dictionary(uniqueKeysWithValues: once.map { ($0, 1) }))
        }
    }

    @Test("a child cancelled alone fails the parent awaiting it (ERROR); resuming the child, then the parent, finishes both",
          arguments: JournalKind.available)
    func cancelChildAlone(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let gate = Gate()
        try await withRunning(try treeRuntime(harness, gate: gate)) { runtime in
            let handle = try await runtime.start(AwaitingParent.self, id: "p", input: "y")
            try await waitUntil { harness.effects.count("p-2:blocked") == 1 }

            #expect(try await runtime.cancel(id: "p-2").status == .cancelled)
            #expect(try await runtime.existingWorkflow(id: "p").status == .pending, "cancelling a child leaves its parent running")
            gate.open()
            let childCancelled = RecordedError(WorkflowError.cancelled(workflowID: "p-2"))
            await #expect(throws: WorkflowError.failed(workflowID: "p", error: childCancelled)) { try await handle.result() }
            try await waitUntil { !runtime.isExecuting(id: "p") && !runtime.isExecuting(id: "p-2") }
            #expect(try await runtime.existingWorkflow(id: "p").status == .error)
            #expect(try await runtime.existingWorkflow(id: "p-2").status == .cancelled)
            #expect(harness.effects.count("p:after") == 0 && harness.effects.count("p-2:after") == 0)

            try await runtime.resume(id: "p-2")
            #expect(try await runtime.handle(id: "p-2", of: GatedWorkflow.self).result() == "done y")
            #expect(try await runtime.existingWorkflow(id: "p").status == .error, "resuming the child alone leaves its parent as it ended")

            try await runtime.resume(id: "p")
            #expect(try await handle.result() == "parent done y")
            let once = ["p:before", "p-2:before", "p-2:blocked", "p-2:after", "p:after"]
            #expect(harness.effects.snapshot == Dictionary(uniqueKeysWithValues: once.map { ($0, 1) }))
        }
    }

    @Test("a hand-off resume requeues the children cancelled with the parent and leaves one cancelled on its own",
          arguments: JournalKind.available)
    func handOffResume(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        try await withRunning(try treeRuntime(harness, gate: Gate())) { runtime in
            // Nothing here runs: the queues have no workers, the unqueued child belongs to
            // another executor.
            try await runtime.enqueue(SequentialSteps.self, queue: TreeChild.idleQueue, id: "r", input: 1)
            func child(_ id: String, status: WorkflowStatus, queue: String?, executor: String?) -> WorkflowRecord {
                WorkflowRecord(
                    id: id, name: SequentialSteps.name, status: status, inputJSON: "1", executorID: executor,
                    queueName: queue, parentID: "r", createdAt: 0, updatedAt: 0)
            }
            _ = try await runtime.journal.submit([
                .insertWorkflow(child("r-1", status: .enqueued, queue: TreeChild.idleQueue, executor: nil)),
                .insertWorkflow(child("r-2", status: .enqueued, queue: "other_idle_queue", executor: nil)),
                .insertWorkflow(child("r-3", status: .pending, queue: nil, executor: "elsewhere")),
            ])
            try await runtime.cancel(id: "r-1")
            try await runtime.cancel(id: "r")
            for id in ["r", "r-1", "r-2", "r-3"] { #expect(try await runtime.existingWorkflow(id: id).status == .cancelled) }

            try await runtime.resume(id: "r", queue: TreeChild.idleQueue)
            let (root, alone, queued, unqueued) = (
                try await runtime.existingWorkflow(id: "r"), try await runtime.existingWorkflow(id: "r-1"),
                try await runtime.existingWorkflow(id: "r-2"), try await runtime.existingWorkflow(id: "r-3"))
            #expect(root.status == .enqueued && root.queueName == TreeChild.idleQueue)
            #expect(alone.status == .cancelled, "cancelled on its own, so not resumed with its parent")
            #expect(queued.status == .enqueued && queued.queueName == "other_idle_queue", "back on its own queue")
            #expect(unqueued.status == .enqueued && unqueued.queueName == TreeChild.idleQueue && unqueued.executorID == nil)
        }
    }
}
