import DurableRuntime
import Foundation
import Testing

extension JournalBackendTests {
    @Test("listWorkflows filters on every field, orders, limits and offsets", arguments: BackendKind.allCases)
    func listFilters(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(
                workflow("a_1", status: .success, name: "etl", createdAt: 100),
                workflow("a%2", status: .pending, name: "etl", queue: "q", createdAt: 200),
                workflow("ab3", status: .error, name: "report", parent: "a_1", createdAt: 300),
                workflow("A_4", status: .enqueued, name: "etl", queue: "q", parent: "a_1", createdAt: 300),
                workflow("b5", status: .cancelled, name: "report", createdAt: 500))
            func ids(_ query: WorkflowQuery) async throws -> [String] {
                try await backend.listWorkflows(query).map(\.id)
            }
            #expect(try await ids(WorkflowQuery()) == ["b5", "ab3", "A_4", "a%2", "a_1"])
            #expect(try await ids(WorkflowQuery(order: .ascending)) == ["a_1", "a%2", "A_4", "ab3", "b5"])
            #expect(try await ids(WorkflowQuery(statuses: [.success, .error])) == ["ab3", "a_1"])
            #expect(try await ids(WorkflowQuery(name: "etl")) == ["A_4", "a%2", "a_1"])
            // Prefixes are literal and case-sensitive: `_` and `%` are not wildcards.
            #expect(try await ids(WorkflowQuery(idPrefix: "a_")) == ["a_1"])
            #expect(try await ids(WorkflowQuery(idPrefix: "a%")) == ["a%2"])
            #expect(try await ids(WorkflowQuery(idPrefix: "a")) == ["ab3", "a%2", "a_1"])
            #expect(try await ids(WorkflowQuery(createdAfter: 200, createdBefore: 500)) == ["ab3", "A_4", "a%2"])
            #expect(try await ids(WorkflowQuery(queueName: "q")) == ["A_4", "a%2"])
            #expect(try await ids(WorkflowQuery(parentID: "a_1")) == ["ab3", "A_4"])
            // Top-level only: the rows without a parent, alone or with other filters.
            #expect(try await ids(WorkflowQuery(topLevelOnly: true)) == ["b5", "a%2", "a_1"])
            #expect(try await ids(WorkflowQuery(name: "etl", topLevelOnly: true)) == ["a%2", "a_1"])
            #expect(try await ids(WorkflowQuery(statuses: [.error, .cancelled], topLevelOnly: true, order: .ascending)) == ["b5"])
            #expect(try await ids(WorkflowQuery(topLevelOnly: true, limit: 1, offset: 1)) == ["a%2"])
            #expect(try await ids(WorkflowQuery(parentID: "a_1", topLevelOnly: true)) == [])
            #expect(try await ids(WorkflowQuery(limit: 2)) == ["b5", "ab3"])
            #expect(try await ids(WorkflowQuery(limit: 2, offset: 2)) == ["A_4", "a%2"])
            #expect(try await ids(WorkflowQuery(offset: 3)) == ["a%2", "a_1"])
            #expect(try await ids(WorkflowQuery(statuses: [.pending, .enqueued], name: "etl", queueName: "q", limit: 1)) == ["A_4"])
            #expect(try await backend.listWorkflows(WorkflowQuery(idPrefix: "b")) == [workflow("b5", status: .cancelled, name: "report", createdAt: 500)])
            #expect(try await backend.queueDepth(queueName: "q") == [.pending: 1, .enqueued: 1])
            #expect(try await backend.queueDepth(queueName: "none") == [:])
        }
    }

    @Test("queueDepth counts only ENQUEUED and PENDING workflows, not finished ones", arguments: BackendKind.allCases)
    func queueDepthCountsWaitingAndRunning(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(
                workflow("e1", status: .enqueued, executor: nil, queue: "q"),
                workflow("e2", status: .enqueued, executor: nil, queue: "q"),
                workflow("p1", status: .pending, queue: "q"),
                workflow("s1", status: .success, queue: "q"),
                workflow("s2", status: .success, queue: "q"),
                workflow("x1", status: .error, queue: "q"),
                workflow("c1", status: .cancelled, queue: "q"),
                workflow("m1", status: .maxRecoveryAttemptsExceeded, queue: "q"),
                workflow("other", status: .enqueued, executor: nil, queue: "q2"),
                workflow("done", status: .success, queue: "finished"))
            #expect(try await backend.queueDepth(queueName: "q") == [.enqueued: 2, .pending: 1])
            #expect(try await backend.queueDepth(queueName: "q2") == [.enqueued: 1])
            #expect(try await backend.queueDepth(queueName: "finished") == [:])
        }
    }

    @Test("dequeue respects global and worker limits and priority order", arguments: BackendKind.allCases)
    func dequeueLimits(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            let priorities = [5, 1, 1, 0, 3]
            for (index, priority) in priorities.enumerated() {
                try await backend.insert(
                    workflow("w\(index)", status: .enqueued, executor: nil, queue: "q", priority: priority,
                             createdAt: 100 + Int64(index)))
            }
            try await backend.insert(workflow("other", status: .enqueued, executor: nil, queue: "q2"))
            func take(_ executor: String, max: Int = 10) async throws -> [String] {
                try await backend.dequeue(
                    DequeueRequest(queueName: "q", executorID: executor, globalConcurrency: 3, workerConcurrency: 2,
                                   maxCount: max, now: 9_000)
                ).map(\.id)
            }
            #expect(try await take("a") == ["w3", "w1"])
            #expect(try await take("a") == [])
            #expect(try await take("b") == ["w2"])
            #expect(try await take("c") == [])
            let w3 = try #require(try await backend.workflow(id: "w3"))
            #expect(w3.status == .pending && w3.executorID == "a" && w3.updatedAt == 9_000)
            _ = try await backend.commit([.completeWorkflow(id: "w3", status: .success, outputJSON: nil, errorJSON: nil, at: 1)])
            #expect(try await take("b", max: 1) == ["w4"])
            #expect(try await backend.queueDepth(queueName: "q") == [.pending: 3, .enqueued: 1], "the SUCCESS one is not depth")
            // Unlimited queue: maxCount alone bounds a call.
            let rest = try await backend.dequeue(
                DequeueRequest(queueName: "q", executorID: "z", globalConcurrency: nil, workerConcurrency: nil,
                               maxCount: 5, now: 1))
            #expect(rest.map(\.id) == ["w0"])
            #expect(try await backend.workflow(id: "other")?.status == .enqueued)
        }
    }

    @Test("dequeue with tree roots takes only those workflows and their descendants, under the queue's whole limits",
          arguments: BackendKind.allCases)
    func dequeueTrees(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            // Oldest first: another run's pipelines, then ours; "run-10" shares a prefix but not the tree.
            for (index, id) in ["other-1", "run-10", "run-1", "run-1-2", "run-12", "old-3", "run-1-3"].enumerated() {
                try await backend.insert(workflow(id, status: .enqueued, executor: nil, queue: "q", createdAt: 100 + Int64(index)))
            }
            try await backend.insert(workflow("busy", status: .pending, executor: "server", queue: "q"))
            func take(_ trees: [String]?, max: Int = 10, global: Int? = nil) async throws -> [String] {
                try await backend.dequeue(
                    DequeueRequest(queueName: "q", executorID: "cli", globalConcurrency: global, workerConcurrency: nil,
                                   maxCount: max, now: 9_000, treeRootIDs: trees)
                ).map(\.id)
            }
            #expect(try await take(["run-1"], global: 3) == ["run-1", "run-1-2"], "the global limit counts the server's workflow")
            #expect(try await take(["run-1", "old-3"]) == ["old-3", "run-1-3"])
            #expect(try await take([]) == [])
            #expect(try await take(nil, max: 2) == ["other-1", "run-10"])
            #expect(try await backend.workflow(id: "run-12")?.status == .enqueued)
        }
    }

    @Test("recover counts attempts, dead-letters, requeues and claims", arguments: BackendKind.allCases)
    func recover(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(
                workflow("run", executor: "old", attempts: 0, maxAttempts: 5, createdAt: 1),
                workflow("queued", executor: "old", queue: "q", createdAt: 2),
                workflow("dead", executor: "old2", queue: "q", dedup: "d", attempts: 2, maxAttempts: 2, createdAt: 3),
                workflow("elsewhere", executor: "alive", createdAt: 4),
                workflow("done", status: .success, executor: "old", createdAt: 5))
            let claim = try await backend.recover(executorIDs: ["old", "old2"], newExecutorID: "new", now: 77)
            var expectedRun = workflow("run", executor: "new", attempts: 1, maxAttempts: 5, createdAt: 1)
            expectedRun.updatedAt = 77
            expectedRun.ownerGeneration = 1 // a recovery is a claim
            #expect(claim.toRun == [expectedRun])
            #expect(claim.requeued == ["queued"])
            #expect(claim.deadLettered == ["dead"])
            #expect(try await backend.workflow(id: "run") == expectedRun)
            let queued = try #require(try await backend.workflow(id: "queued"))
            #expect(queued.status == .enqueued && queued.executorID == nil && queued.recoveryAttempts == 1)
            let dead = try #require(try await backend.workflow(id: "dead"))
            #expect(dead.status == .maxRecoveryAttemptsExceeded && dead.deduplicationID == nil && dead.recoveryAttempts == 3)
            #expect(try await backend.workflow(id: "elsewhere") == workflow("elsewhere", executor: "alive", createdAt: 4))
            #expect(try await backend.workflow(id: "done")?.status == .success)
            let again = try await backend.recover(executorIDs: ["old"], newExecutorID: "new", now: 78)
            #expect(again == RecoveryClaim())
        }
    }

    @Test("a commit that enqueues work wakes a queue waiter early", arguments: BackendKind.allCases)
    func wakesOnEnqueue(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            // Drain wake-ups left from start-up (the LISTEN connection raises once when it opens).
            try await backend.waitForQueueActivity(timeout: .milliseconds(300))
            let clock = ContinuousClock()
            let elapsed = try await clock.measure {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await backend.waitForQueueActivity(timeout: .seconds(30)) }
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(100))
                        try await backend.insert(workflow("w", status: .enqueued, executor: nil, queue: "q"))
                    }
                    try await group.waitForAll()
                }
            }
            // Woken by the commit, not by the 30 s fallback (a loose bound: a loaded CI machine).
            #expect(elapsed < .seconds(20))
        }
    }
}
