import DurableTesting
import Foundation
import Testing
@testable import DurableRuntime

/// An execution is dispatched from a read of the workflow's row, and the row can change between
/// that read and the execution's start: its execution here finishes, it is cancelled, or it is
/// claimed again. (Seen in CI: a `start` of an existing id read the row as PENDING while its
/// recovered execution was finishing, and a second execution began once the first had let go.)
/// An execution begins only if the row is still PENDING under the claim it was dispatched with.
@Suite("Stale dispatch")
struct StaleDispatchTests {
    @Test("a workflow that finished after its row was read is not executed again", arguments: JournalKind.available)
    func finishedSinceRead(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let recorder = RecordingInterceptor()
        let runtime = try harness.runtime(interceptor: recorder)
        try await withRunning(runtime) { runtime in
            #expect(try await runtime.run(SequentialSteps.self, id: "s", input: 2) == 3)
            // The result reaches the caller before the interceptor has recorded the end (seen in
            // CI: the snapshot then lacked "end s SUCCESS"): the baseline is taken after it.
            try await waitUntil(seconds: 10) { recorder.snapshot.contains("end s SUCCESS") }
            let finished = try #require(try await runtime.workflow(id: "s"))
            var stale = finished
            (stale.status, stale.outputJSON) = (.pending, nil)
            let before = (recorder.snapshot, try await runtime.journal.backend.dump())

            await runtime.execute(stale)

            #expect(recorder.snapshot == before.0, "no execution may begin: \(recorder.snapshot.dropFirst(before.0.count))")
            #expect(try await runtime.journal.backend.dump() == before.1)
            #expect(harness.effects.count("s:step-1") == 1 && harness.effects.count("s:step-2") == 1)
        }
    }

    @Test("a workflow claimed again after its row was read runs only under the new claim", arguments: JournalKind.available)
    func claimedSinceRead(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let recorder = RecordingInterceptor()
        let runtime = try harness.runtime(interceptor: recorder)
        try await withRunning(runtime) { runtime in
            // A PENDING row of this executor that nobody runs here (as one left by a crash),
            // then claimed again (as a recovery or a resume does): its generation is raised.
            let backend = runtime.journal.backend
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let row = WorkflowRecord(
                id: "c", name: SequentialSteps.name, status: .pending, inputJSON: "2", executorID: runtime.executorID,
                maxRecoveryAttempts: 100, createdAt: now, updatedAt: now)
            _ = try await backend.commit([.insertWorkflow(row)])
            let claim = try await backend.commit([
                .transition(id: "c", from: [.pending], to: .pending, executorID: runtime.executorID, resetRecoveryAttempts: false, at: now)
            ])
            #expect(claim.results == [.updated(true)])
            let current = try #require(try await backend.workflow(id: "c"))
            #expect(current.ownerGeneration == row.ownerGeneration + 1)

            await runtime.execute(row)
            #expect(!recorder.snapshot.contains { $0.hasPrefix("begin c ") }, "\(recorder.snapshot)")
            #expect(try await backend.workflow(id: "c")?.status == .pending)
            #expect(harness.effects.count("c:step-1") == 0)

            // The same call with the row as it stands runs it: the check is the claim, not the call.
            await runtime.execute(current)
            #expect(recorder.snapshot.contains("end c SUCCESS"), "\(recorder.snapshot)")
            #expect(try await backend.workflow(id: "c")?.status == .success)
            #expect(harness.effects.count("c:step-1") == 1)
        }
    }
}
