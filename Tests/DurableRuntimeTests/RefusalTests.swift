import DurableRuntime
import DurableTesting
import Foundation
import Testing

/// A refused management call writes nothing: every row of the journal is byte-identical before
/// and after (compared through ``JournalBackend/dump()``), on both journals.
@Suite("Refused management calls write nothing")
struct RefusalTests {
    /// One refused call, named for the test report.
    struct Refusal: Sendable, CustomStringConvertible {
        let description: String
        let call: @Sendable (WorkflowRuntime) async throws -> Void
    }

    static let queue = "nobody_works_this"

    static let refusals: [Refusal] = [
        Refusal(description: "fork into an id another workflow holds") {
            try await $0.fork(id: "done", fromStep: 3, newID: "queued")
        },
        Refusal(description: "fork into an id another workflow holds, handed to a queue") {
            try await $0.fork(id: "done", fromStep: 2, newID: "failed", queue: queue)
        },
        Refusal(description: "fork of an unknown workflow") { try await $0.fork(id: "nobody", fromStep: 1, newID: "new") },
        Refusal(description: "fork from step 0") { try await $0.fork(id: "done", fromStep: 0, newID: "new") },
        Refusal(description: "fork to an empty id") { try await $0.fork(id: "done", fromStep: 2, newID: "") },
        Refusal(description: "fork to an id with a control character") {
            try await $0.fork(id: "done", fromStep: 2, newID: "new\u{7}id")
        },
        Refusal(description: "fork to an id of 256 bytes") {
            try await $0.fork(id: "done", fromStep: 2, newID: String(repeating: "é", count: 128))
        },
        Refusal(description: "resume of a SUCCESS workflow") { try await $0.resume(id: "done") },
        Refusal(description: "resume of an ENQUEUED workflow") { try await $0.resume(id: "queued") },
        Refusal(description: "resume of an unknown workflow") { try await $0.resume(id: "nobody") },
        Refusal(description: "requeue (resume onto a queue) of a SUCCESS workflow") {
            try await $0.resume(id: "done", queue: queue)
        },
        Refusal(description: "cancel of an unknown workflow") { try await $0.cancel(id: "nobody") },
        Refusal(description: "recover of no executor") { try await $0.recover(executorIDs: []) },
        Refusal(description: "recover of an empty executor id") { try await $0.recover(executorIDs: ["other", ""]) },
        Refusal(description: "recover of an executor id with a NUL") { try await $0.recover(executorIDs: ["a\u{0}b"]) },
        Refusal(description: "start with an existing id under another name") {
            try await $0.start(GatedWorkflow.self, id: "done", input: "x")
        },
        Refusal(description: "enqueue with an existing id under another name") {
            try await $0.enqueue(DoublingChild.self, queue: queue, id: "queued", input: 1)
        },
        Refusal(description: "enqueue by name with an existing id under another name") {
            try await $0.enqueue(name: "gated_workflow", queue: queue, id: "failed", inputJSON: "\"x\"")
        },
        Refusal(description: "enqueue with a deduplication id another queued workflow holds") {
            try await $0.enqueue(
                SequentialSteps.self, queue: queue, id: "dup", input: 1, options: EnqueueOptions(deduplicationID: "d1"))
        },
        Refusal(description: "start with an empty id") { try await $0.start(SequentialSteps.self, id: "", input: 1) },
    ]

    @Test("a refused call leaves every row of the journal byte-identical",
          arguments: JournalKind.available, refusals)
    func refusedCallWritesNothing(kind: JournalKind, refusal: Refusal) async throws {
        let harness = try RuntimeHarness(kind)
        try await withRunning(try harness.runtime(register: { $0.register(Failing()) })) { runtime in
            try await Self.populate(runtime)
            let before = try await runtime.journal.backend.dump()
            await #expect(throws: (any Error).self, "\(refusal) must be refused") { try await refusal.call(runtime) }
            let after = try await runtime.journal.backend.dump()
            #expect(journalDifference(before, after) == "", "\(refusal) changed the journal (- before, + after)")
        }
    }

    @Test("cancelling a finished workflow with nothing active below it changes nothing", arguments: JournalKind.available)
    func cancelFinishedWritesNothing(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        try await withRunning(try harness.runtime(register: { $0.register(Failing()) })) { runtime in
            try await Self.populate(runtime)
            let before = try await runtime.journal.backend.dump()
            #expect(try await runtime.cancel(id: "done").status == .success)
            #expect(journalDifference(before, try await runtime.journal.backend.dump()) == "")
        }
    }

    /// A SUCCESS workflow with 3 steps (`done`), an ERROR one (`failed`), an ENQUEUED one on a
    /// queue no worker serves (`queued`, holding deduplication id `d1`), and a cancelled one.
    static func populate(_ runtime: WorkflowRuntime) async throws {
        #expect(try await runtime.run(SequentialSteps.self, id: "done", input: 3) == 6)
        await #expect(throws: WorkflowError.self) { try await runtime.run(Failing.self, id: "failed", input: 1) }
        try await runtime.enqueue(
            SequentialSteps.self, queue: queue, id: "queued", input: 2, options: EnqueueOptions(deduplicationID: "d1"))
        try await runtime.enqueue(SequentialSteps.self, queue: queue, id: "stopped", input: 2)
        try await runtime.cancel(id: "stopped")
    }

}

/// A workflow that records one step and then fails.
private struct Failing: Workflow {
    static let name = "failing_workflow"
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        _ = try await context.step("one") { input }
        throw FatalError()
    }
}
