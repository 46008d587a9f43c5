import DurableRuntime
import DurableTesting
import Foundation
import Synchronization
import Testing

/// Records what the runtime shows an interceptor, as lines.
final class RecordingInterceptor: WorkflowInterceptor {
    private let lines = Mutex<[String]>([])
    var snapshot: [String] { lines.withLock { $0 } }

    func record(_ line: String) { lines.withLock { $0.append(line) } }

    func interceptWorkflow(_ execution: WorkflowExecution, _ body: () async throws -> WorkflowRecord?) async throws -> WorkflowRecord? {
        record("begin \(execution.workflowID) \(execution.workflowName) \(execution.origin) on \(execution.executorID)")
        do {
            let finished = try await body()
            record("end \(execution.workflowID) \(finished?.status.rawValue ?? "unfinished")")
            return finished
        } catch {
            record("stop \(execution.workflowID)")
            throw error
        }
    }

    func interceptStep<T: Sendable>(_ attempt: StepAttempt, _ body: () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            record("attempt \(attempt.workflowID)#\(attempt.stepNumber) \(attempt.stepName) \(attempt.attempt) ok")
            return value
        } catch {
            record("attempt \(attempt.workflowID)#\(attempt.stepNumber) \(attempt.stepName) \(attempt.attempt) failed")
            throw error
        }
    }

    func observe(_ event: RuntimeEvent) {
        switch event {
        case .checkpointed(let step, let workflowName):
            record("checkpoint \(step.workflowID)#\(step.stepNumber) \(step.name) of \(workflowName) tries \(step.attempts)")
        case .childStarted(let parentID, let child):
            record("child \(child.id) of \(parentID)")
        case .enqueued(let record):
            self.record("enqueued \(record.id) on \(record.queueName ?? "-")")
        case .dequeued(let record, let waited):
            self.record("dequeued \(record.id) after \(waited >= .zero ? "≥0" : "<0")")
        case .committed(let writes, let submissions, let latency):
            if writes < 1 || submissions < 1 || submissions > writes || latency < .zero { record("bad commit \(writes) \(submissions)") }
            record("commit")
        }
    }
}

/// A parent with a retried step, an inline child and a queued child.
struct ObservedParent: Workflow {
    static let name = "observed_parent"
    let flaky: Flaky

    init(failures: Int) { flaky = Flaky(failures: failures) }

    func run(context: WorkflowContext, input: Int) async throws -> Int {
        _ = try await context.step("flaky", retry: RetryPolicy(maxAttempts: 3, interval: .milliseconds(1))) { try flaky.attempt() }
        let inline = try await context.runChild(DoublingChild.self, input: input)
        let queued = try await context.enqueue(DoublingChild.self, queue: "observed", input: inline).result()
        return queued
    }
}

@Suite("Workflow interceptors")
struct InterceptorTests {
    @Test("an interceptor sees each execution with its origin, each step attempt, checkpoint, child, enqueue, dequeue and commit",
          arguments: JournalKind.available)
    func seesEverything(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let recorder = RecordingInterceptor()
        let runtime = try harness.runtime(queues: [WorkflowQueue("observed", globalConcurrency: 1)], queuePollInterval: .milliseconds(20),
                                          interceptor: recorder, register: { $0.register(ObservedParent(failures: 1)) })
        let output = try await withRunning(runtime) { runtime in
            let output = try await runtime.run(ObservedParent.self, id: "p", input: 1)
            // The handle reads the committed outcome from the journal: wait for the execution
            // itself to come back before the runtime is stopped.
            let deadline = ContinuousClock.now + .seconds(10)
            while !recorder.snapshot.contains(where: { $0.hasPrefix("end p ") }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            return output
        }
        #expect(output == 7) // 1 → inline (1×2+1 = 3) → queued (3×2+1 = 7)
        let lines = recorder.snapshot
        // The parent's own events, in its order. The queued child runs on a worker task, which may
        // claim, run and even finish it before the parent's task reports the child's creation.
        let expectedInOrder = [
            "begin p observed_parent started on local",
            "attempt p#1 flaky 1 failed",
            "attempt p#1 flaky 2 ok",
            "checkpoint p#1 flaky of observed_parent tries 2",
            // The inline child's start rides in its first commit (see WriteCarry): its row and
            // the parent's record of the call are seen committed with its first step.
            "begin p-2 doubling_child started on local",
            "attempt p-2#1 double 1 ok",
            "child p-2 of p",
            "checkpoint p#2 doubling_child of observed_parent tries 1",
            "checkpoint p-2#1 double of doubling_child tries 1",
            "end p-2 SUCCESS",
            "checkpoint p#3 doubling_child of observed_parent tries 1",
            "child p-3 of p",
            "end p SUCCESS",
        ]
        var index = lines.startIndex
        for line in expectedInOrder {
            guard let found = lines[index...].firstIndex(of: line) else {
                Issue.record("missing, or out of order: \(line)\nall: \(lines)")
                return
            }
            index = found + 1
        }
        #expect(lines.contains("enqueued p-3 on observed"), "\(lines)")
        // The queued child's own events, in its order, all before the parent ends.
        let queuedChild = ["dequeued p-3 after ≥0", "begin p-3 doubling_child dequeued on local", "end p-3 SUCCESS", "end p SUCCESS"]
        let positions = queuedChild.compactMap { lines.firstIndex(of: $0) }
        #expect(positions.count == queuedChild.count && positions == positions.sorted(), "\(lines)")
        #expect(lines.contains("commit") && !lines.contains { $0.hasPrefix("bad commit") })
        #expect(!lines.contains { $0.hasPrefix("stop") })
    }

    @Test("a workflow resumed after a crash is seen as recovered; replayed steps are not attempted again", arguments: JournalKind.available)
    func recoveredOrigin(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        // Checkpoints: 1 the row, 2 and 3 the first two steps; after 3 is durable the process dies.
        let crashing = try harness.runtime(interceptor: CrashInjector(atCheckpoint: 3, moment: .afterCommit))
        try await runUntilCrash(crashing) { runtime in
            _ = try await runtime.run(SequentialSteps.self, id: "s", input: 3)
        }
        let recorder = RecordingInterceptor()
        let recovered = try harness.runtime(interceptor: recorder)
        _ = try await withRunning(recovered) { runtime in
            let output = try await runtime.run(SequentialSteps.self, id: "s", input: 3)
            // As above: wait for the execution itself to come back before the runtime is stopped.
            let deadline = ContinuousClock.now + .seconds(10)
            while !recorder.snapshot.contains(where: { $0.hasPrefix("end s ") }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            return output
        }
        // The run's own insert (the id exists: a commit that changes nothing) may be seen
        // before or after the recovered execution begins.
        let lines = recorder.snapshot
        #expect(lines.first { $0 != "commit" } == "begin s sequential_steps recovered on local", "\(lines)")
        #expect(lines.last == "end s SUCCESS", "\(lines)")
        let attempted = lines.filter { $0.hasPrefix("attempt s#") }.compactMap { Int($0.dropFirst("attempt s#".count).prefix { $0 != " " }) }
        #expect(attempted == [3], "steps 1 and 2 were durable before the crash, so only step 3 is attempted: \(lines)")
    }
}

/// What a ``LogContextProbe`` saw.
final class SeenContexts: Sendable {
    let values = Mutex<[WorkflowLogContext?]>([])
    func append(_ value: WorkflowLogContext?) { values.withLock { $0.append(value) } }
    var snapshot: [WorkflowLogContext?] { values.withLock { $0 } }
}

/// Captures the task's log context in its body and in a step.
struct LogContextProbe: Workflow {
    static let name = "log_context_probe"
    let seen: SeenContexts

    func run(context: WorkflowContext, input: Nothing) async throws -> Nothing {
        seen.append(WorkflowLogContext.current)
        try await context.step("probe") { seen.append(WorkflowLogContext.current) }
        return Nothing()
    }
}

@Suite("Workflow log context")
struct WorkflowLogContextTests {
    @Test("inside a workflow the task carries its id, name and executor; inside a step also the step; outside, nothing")
    func boundAroundWorkflowsAndSteps() async throws {
        let harness = try RuntimeHarness(.sqlite)
        let seen = SeenContexts()
        let runtime = try harness.runtime(executorID: "exec-a", register: { $0.register(LogContextProbe(seen: seen)) })
        _ = try await withRunning(runtime) { try await $0.run(LogContextProbe.self, id: "probe-1", input: Nothing()) }
        #expect(seen.snapshot == [
            WorkflowLogContext(workflowID: "probe-1", workflowName: "log_context_probe", executorID: "exec-a"),
            WorkflowLogContext(workflowID: "probe-1", workflowName: "log_context_probe", executorID: "exec-a", step: "probe", stepNumber: 1),
        ])
        #expect(WorkflowLogContext.current == nil)
        let metadata = try #require(seen.snapshot.last??.metadata)
        #expect(metadata["workflow_id"] == "probe-1" && metadata["step"] == "probe" && metadata["executor_id"] == "exec-a")
        #expect(metadata["workflow_name"] == "log_context_probe" && metadata["step_number"]?.description == "1")
    }
}
