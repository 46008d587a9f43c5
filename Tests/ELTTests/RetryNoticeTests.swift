import DurableRuntime
import DurableTesting
import Foundation
import Logging
import Synchronization
import Testing

/// Step bodies that fail their first two attempts each, as pages fetched from an API that is
/// down for a moment.
private final class FailTwice: Sendable {
    private let attempts = Mutex<[Int: Int]>([:])

    struct Down: Error, CustomStringConvertible {
        var description: String { "the API is down" }
    }

    func attempt(_ index: Int) throws -> Int {
        let attempt = attempts.withLock { attempts -> Int in
            attempts[index, default: 0] += 1
            return attempts[index, default: 0]
        }
        if attempt <= 2 { throw Down() }
        return index
    }
}

/// `count` steps of one name, side by side, each failing twice before it succeeds.
private struct ParallelFlakySteps: Workflow {
    static let name = "parallel_flaky_steps"
    let steps: FailTwice

    func run(context: WorkflowContext, input: Int) async throws -> Int {
        let results = try await context.concurrentStepResults(
            "fetch", count: input, retry: RetryPolicy(maxAttempts: 3, interval: .milliseconds(1))
        ) { [steps] index in try steps.attempt(index) }
        return try results.map { try $0.get() }.reduce(0, +)
    }
}

@Suite("Retry notices")
struct RetryNoticeTests {
    @Test("steps of one name failing side by side are told once at notice, the rest at debug, and their recovery once")
    func foldedRetryNotices() async throws {
        let recorder = RecordingLogHandler.Recorder()
        let journal = try TemporaryJournal(.sqlite)
        let runtime = WorkflowRuntime(
            backend: try journal.open(),
            configuration: RuntimeConfiguration(resultPollInterval: .milliseconds(20), logger: recorder.logger(level: .trace)))
        runtime.register(ParallelFlakySteps(steps: FailTwice()))
        let sum = try await runtime.withRunning { try await $0.run(ParallelFlakySteps.self, id: "p", input: 8) }
        #expect(sum == 28)
        let retries = recorder.logged.filter { $0.message == "step failed; retrying after a wait" }
        #expect(retries.count == 16, "two failed attempts of each of eight steps")
        let notices = retries.filter { $0.level == .notice }
        // Eight steps, sixteen retries: one notice while the name keeps failing; at most a
        // few more if one step succeeds while others have yet to fail (the order is the tasks').
        #expect((1...4).contains(notices.count), "\(notices.count) notices")
        #expect(notices.first?.metadata["later_failures"] == "retries of fetch in this workflow logged at debug level until one succeeds")
        #expect(recorder.logged.contains { $0.message == "step succeeded after retries" && $0.level == .notice })
    }
}
