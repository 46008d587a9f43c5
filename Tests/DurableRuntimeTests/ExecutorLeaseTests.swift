import DurableRuntime
import DurableTesting
import Foundation
import ServiceLifecycle
import Testing

/// Executor leases and automatic takeover, on both journals.
@Suite("Executor leases and takeover")
struct ExecutorLeaseTests {
    /// A row for an executor held by another process.
    static func holder(_ id: String, host: String, pid: Int, expiresIn milliseconds: Int64) -> ExecutorInfo {
        let now = journalTimestamp()
        return ExecutorInfo(executorID: id, incarnation: UUID().uuidString, applicationVersion: "9.9", host: host, pid: pid,
                            startedAt: now - 1_000, leaseExpiresAt: now + milliseconds)
    }

    /// Runs `body` with a migrated backend of the harness's journal whose background work (the
    /// Postgres pool) runs meanwhile.
    static func withBackend<T: Sendable>(
        _ harness: RuntimeHarness, _ body: @Sendable (any JournalBackend) async throws -> T
    ) async throws -> T {
        let backend = try harness.journal.open()
        try await backend.migrate()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await backend.run() }
            defer { group.cancelAll() }
            return try await body(backend)
        }
    }

    @Test("a live lease held by another process refuses the start, naming the holder; an expired one is taken",
          arguments: JournalKind.available)
    func liveLeaseRefusesStart(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let other = Self.holder("server-a", host: "another-host.example", pid: 4242, expiresIn: 60_000)
        try await Self.withBackend(harness) { (backend: any JournalBackend) async throws in
            #expect(try await backend.acquireLease(other, now: journalTimestamp(), replacing: nil) == .acquired)
        }

        let runtime = try harness.runtime(executorID: "server-a", executorLease: .seconds(30))
        await #expect {
            try await runtime.withRunning { _ in }
        } throws: { error in
            let text = String(describing: error)
            return text.contains("executor id 'server-a' is held by pid 4242 on another-host.example (version 9.9)")
                && text.contains("--executor-id")
        }

        // The holder stops renewing: once its lease has expired the id is free.
        let expired = Self.holder("server-a", host: "another-host.example", pid: 4242, expiresIn: -1)
        try await Self.withBackend(harness) { (backend: any JournalBackend) async throws in
            #expect(try await backend.acquireLease(expired, now: journalTimestamp(), replacing: other.incarnation) == .acquired)
        }
        let second = try harness.runtime(executorID: "server-a", executorLease: .seconds(30))
        try await second.withRunning { runtime in
            let executors = try await runtime.executors()
            #expect(executors.count == 1)
            #expect(executors.first?.host == WorkflowRuntime.hostName)
            #expect(executors.first?.pid == Int(ProcessInfo.processInfo.processIdentifier))
            #expect(executors.first?.isLive(at: journalTimestamp()) == true)
        }
    }

    @Test("a holder on this host whose process is gone (kill -9, then a restart) is replaced at once",
          arguments: JournalKind.available)
    func deadLocalHolderIsReplaced(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        // A pid above Linux's pid_max (4,194,304) never belongs to a live process.
        let dead = Self.holder("local", host: WorkflowRuntime.hostName, pid: 4_194_305 + 17, expiresIn: 60_000)
        try await Self.withBackend(harness) { (backend: any JournalBackend) async throws in
            #expect(try await backend.acquireLease(dead, now: journalTimestamp(), replacing: nil) == .acquired)
        }
        let runtime = try harness.runtime(executorLease: .seconds(30))
        try await runtime.withRunning { runtime in
            let row = try #require(try await runtime.executors().first)
            #expect(row.pid == Int(ProcessInfo.processInfo.processIdentifier))
        }
        // withRunning (what `elt run` uses) releases the lease when its body is done.
        let after = try await Self.withBackend(harness) { try await $0.executors().first }
        #expect(after?.leaseExpiresAt == 0, "released, not left to expire")
    }

    @Test("a graceful shutdown releases the lease at once", arguments: JournalKind.available)
    func gracefulShutdownReleases(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let runtime = try harness.runtime(executorLease: .seconds(30))
        let group = ServiceGroup(services: [runtime.journalService, runtime], logger: .init(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await runtime.waitUntilStarted()
            #expect(try await runtime.executors().first?.isLive(at: journalTimestamp()) == true)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let row = try await Self.withBackend(harness) { try await $0.executors().first }
        #expect(row.map { !$0.isLive(at: journalTimestamp()) } == true, "the lease must end with the process, not 30 s later")
    }

    @Test("a runtime whose binding differs from the journal's does not start and recovers nothing; the same value starts; replacing rebinds",
          arguments: JournalKind.available)
    func bindingRefusesStart(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        func requirement(_ value: String, replacing: Bool = false) -> BindingRequirement {
            BindingRequirement(JournalBinding(key: "app.store", value: value, detail: "store \(value)"), replacing: replacing,
                               advice: "Start it with the fleet's store.")
        }
        let first = try harness.runtime(executorID: "one", bindings: [requirement("A")])
        try await first.withRunning { _ in }
        // A PENDING workflow of a dead executor: a process that started would recover it.
        try await Self.withBackend(harness) { (backend: any JournalBackend) async throws in
            _ = try await backend.commit([.insertWorkflow(WorkflowRecord(
                id: "stranded", name: SequentialSteps.name, status: .pending, inputJSON: "2", executorID: "two",
                createdAt: 1_000, updatedAt: 1_000))])
        }
        let second = try harness.runtime(executorID: "two", bindings: [requirement("B")])
        await #expect {
            try await second.withRunning { _ in }
        } throws: { error in
            let text = String(describing: error)
            return text.hasPrefix("this journal's workflows use store A (app.store, bound ")
                && text.contains("and this process uses store B; it did not start, and took no workflow. Start it with the fleet's store.")
        }
        let untouched = try await Self.withBackend(harness) { try await $0.workflow(id: "stranded") }
        #expect(untouched?.status == .pending && untouched?.ownerGeneration == 0, "nothing was recovered")
        let rebinding = try harness.runtime(executorID: "two", bindings: [requirement("B", replacing: true)])
        #expect(try await rebinding.withRunning { try await $0.handle(id: "stranded", of: SequentialSteps.self).result() } == 3,
                "the rebound process starts and recovers what it owns")
        let old = try harness.runtime(executorID: "three", bindings: [requirement("A")])
        await #expect(throws: WorkflowError.self) { try await old.withRunning { _ in } }
    }

    @Test("a registering executor forgets executors stopped over a day ago that own no PENDING workflow, and keeps the rest",
          arguments: JournalKind.available)
    func stoppedExecutorsAreForgotten(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let now = journalTimestamp()
        let day = ExecutorInfo.forgottenAfter
        @Sendable func row(_ id: String, startedAgo: Int64, leaseEnd: Int64) -> ExecutorInfo {
            ExecutorInfo(executorID: id, incarnation: UUID().uuidString, applicationVersion: "9.9", host: "gone.example",
                         pid: 4_194_305 + 1, startedAt: now - startedAgo, leaseExpiresAt: leaseEnd)
        }
        try await Self.withBackend(harness) { (backend: any JournalBackend) async throws in
            for info in [
                row("expired-long-ago", startedAgo: 3 * day, leaseEnd: now - day - 60_000),
                row("released-long-ago", startedAgo: 2 * day, leaseEnd: 0),
                row("expired-with-work", startedAgo: 3 * day, leaseEnd: now - day - 60_000),
                row("expired-recently", startedAgo: 2 * day, leaseEnd: now - 60_000),
                row("released-recently", startedAgo: 60_000, leaseEnd: 0),
                row("live", startedAgo: 3 * day, leaseEnd: now + 60_000),
            ] {
                #expect(try await backend.acquireLease(info, now: now - 3 * day, replacing: nil) == .acquired)
            }
            // A PENDING workflow of a dead executor is what `elt recover` needs to see its owner for.
            _ = try await backend.commit([.insertWorkflow(WorkflowRecord(
                id: "stranded", name: SequentialSteps.name, status: .pending, inputJSON: "2", executorID: "expired-with-work",
                createdAt: 1_000, updatedAt: 1_000))])
            #expect(try await backend.executors().count == 6, "registered as of three days ago: nothing had stopped a day before that")
        }
        let runtime = try harness.runtime(executorID: "server-new", executorLease: .seconds(30))
        try await runtime.withRunning { runtime in
            let ids = try await runtime.executors().map(\.executorID)
            #expect(ids == ["expired-recently", "expired-with-work", "live", "released-recently", "server-new"])
        }
    }

    @Test("when an executor's lease expires, a live executor takes over its running and its dequeued workflows",
          arguments: JournalKind.available)
    func takeover(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let gate = Gate()
        let queue = WorkflowQueue("work", globalConcurrency: 1)
        let dying = try harness.runtime(
            executorID: "dying", queues: [queue], queuePollInterval: .milliseconds(50), gate: gate,
            executorLease: .seconds(1), leaseRenewInterval: .milliseconds(200))
        try await runUntilCrash(dying) { runtime in
            try await runtime.start(GatedWorkflow.self, id: "direct", input: "d")
            try await runtime.enqueue(GatedWorkflow.self, queue: "work", id: "queued", input: "q")
            try await waitUntil { harness.effects.count("direct:blocked") == 1 && harness.effects.count("queued:blocked") == 1 }
            // Killed mid-step: no release, no more renewals.
            await runtime.journal.simulateCrash()
        }
        #expect(try await Self.withBackend(harness) { try await $0.workflow(id: "direct")?.executorID } == "dying")
        gate.open()
        let survivor = try harness.runtime(
            executorID: "survivor", queues: [queue], queuePollInterval: .milliseconds(50), gate: gate,
            executorLease: .seconds(1), leaseRenewInterval: .milliseconds(200))
        let started = ContinuousClock.now
        try await survivor.withRunning { (runtime: WorkflowRuntime) async throws in
            #expect(try await runtime.handle(id: "direct", of: GatedWorkflow.self).result() == "done d")
            #expect(try await runtime.handle(id: "queued", of: GatedWorkflow.self).result() == "done q")
        }
        #expect(ContinuousClock.now - started < .seconds(15))
        let (records, rows) = try await Self.withBackend(harness) { (backend: any JournalBackend) async throws in
            (try await [backend.workflow(id: "direct"), backend.workflow(id: "queued")], try await backend.executors())
        }
        for (id, record) in zip(["direct", "queued"], records) {
            #expect(record?.status == .success && record?.executorID == "survivor")
            #expect(harness.effects.count("\(id):before") == 1, "a checkpointed step is not run again")
            #expect(harness.effects.count("\(id):after") == 1)
        }
        #expect(rows.map(\.executorID) == ["dying", "survivor"])
        #expect(rows.first.map { !$0.isLive(at: journalTimestamp()) } == true)
    }

    @Test("an executor that comes back after its work was taken over commits nothing more and abandons it quietly",
          arguments: JournalKind.available)
    func fencing(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let (pausedGate, survivorGate) = (Gate(), Gate())
        // Its lease (1 s) is renewed only every 60 s: it lapses while the process lives, as
        // for a paused VM.
        let paused = try harness.runtime(
            executorID: "paused", gate: pausedGate, executorLease: .seconds(1), leaseRenewInterval: .seconds(60))
        let survivor = try harness.runtime(
            executorID: "survivor", gate: survivorGate, executorLease: .seconds(1), leaseRenewInterval: .milliseconds(200))
        try await paused.withRunning { pausedRuntime in
            try await pausedRuntime.start(GatedWorkflow.self, id: "w", input: "x")
            try await waitUntil { harness.effects.count("w:blocked") == 1 }
            try await survivor.withRunning { survivorRuntime in
                // The survivor takes "w" over and blocks in the same step.
                try await waitUntil(seconds: 15) { harness.effects.count("w:blocked") == 2 }
                #expect(try await survivorRuntime.workflow(id: "w")?.executorID == "survivor")
                // The paused process goes on: its checkpoint is refused, it stops quietly.
                pausedGate.open()
                try await waitUntil { !pausedRuntime.isExecuting(id: "w") }
                #expect(harness.effects.count("w:after") == 0, "the fenced execution must not go past its refused checkpoint")
                #expect(try await survivorRuntime.workflow(id: "w")?.status == .pending)
                survivorGate.open()
                #expect(try await survivorRuntime.handle(id: "w", of: GatedWorkflow.self).result() == "done x")
            }
        }
        #expect(harness.effects.count("w:after") == 1, "only the owner ran the rest")
        #expect(harness.effects.count("w:before") == 1)
    }

    @Test("a workflow claimed for this executor but never handed to it (a dequeue whose reply was lost) is run within a lease period",
          .timeLimit(.minutes(1)), arguments: JournalKind.available)
    func orphanAdopted(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let runtime = try harness.runtime(
            queues: [WorkflowQueue("work")], executorLease: .seconds(2), leaseRenewInterval: .milliseconds(200))
        try await runtime.withRunning { (runtime: WorkflowRuntime) async throws in
            // What a dequeue's lost COMMIT reply leaves: PENDING, on this executor, not running here.
            let now = journalTimestamp()
            let row = WorkflowRecord(
                id: "orphan", name: SequentialSteps.name, status: .pending, inputJSON: "2", executorID: "local",
                queueName: "work", createdAt: now, updatedAt: now)
            #expect(try await runtime.journal.submit(.insertWorkflow(row)) == .workflowInserted)
            #expect(try await runtime.handle(id: "orphan", of: SequentialSteps.self).result() == 3)
        }
        #expect(harness.effects.count("orphan:step-1") == 1 && harness.effects.count("orphan:step-2") == 1)
    }
}
