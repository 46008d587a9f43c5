import DurableRuntime
import DurableTesting
import Foundation
import Synchronization
import Testing

/// A step body that fails its first `failures` attempts.
final class Flaky: Sendable {
    let failures: Int
    private let attempts = Mutex(0)
    init(failures: Int) { self.failures = failures }
    var attemptCount: Int { attempts.withLock { $0 } }

    func attempt() throws -> String {
        let attempt = attempts.withLock { value -> Int in
            value += 1
            return value
        }
        if attempt <= failures { throw FlakyError(attempt: attempt) }
        return "ok after \(attempt)"
    }
}

struct RetryingWorkflow: Workflow {
    static let name = "retrying"
    let flaky: Flaky
    let policy: RetryPolicy

    func run(context: WorkflowContext, input: Nothing) async throws -> String {
        try await context.step("flaky", retry: policy) { try flaky.attempt() }
    }
}

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("the defaults are DBOS's: 3 attempts, 1 s, doubling")
    func defaults() {
        let policy = RetryPolicy.default
        #expect(policy.maxAttempts == 3)
        #expect(policy.delay(afterAttempt: 1) == .seconds(1))
        #expect(policy.delay(afterAttempt: 2) == .seconds(2))
        #expect(RetryPolicy.none.maxAttempts == 1)
    }

    @Test("the wait grows by the backoff rate and is capped at the max interval")
    func backoffCap() {
        let policy = RetryPolicy(maxAttempts: 10, interval: .milliseconds(100), backoffRate: 3, maxInterval: .seconds(2))
        #expect((1...5).map { policy.delay(afterAttempt: $0) } == [.milliseconds(100), .milliseconds(300), .milliseconds(900), .seconds(2), .seconds(2)])
    }

    func run(kind: JournalKind, failures: Int, policy: RetryPolicy) async throws -> (Result<String, any Error>, Flaky, ManualClock, [StepRecord]) {
        let harness = try RuntimeHarness(kind)
        let flaky = Flaky(failures: failures)
        let clock = ManualClock()
        let runtime = try harness.runtime(clock: clock, register: { $0.register(RetryingWorkflow(flaky: flaky, policy: policy)) })
        return try await withRunning(runtime) { runtime in
            let result: Result<String, any Error>
            do { result = .success(try await runtime.run(RetryingWorkflow.self, id: "r", input: Nothing())) } catch { result = .failure(error) }
            return (result, flaky, clock, try await runtime.steps(workflowID: "r"))
        }
    }

    @Test("a step that fails twice succeeds on its third attempt after waits of 1 s and 2 s", arguments: JournalKind.available)
    func retriesThenSucceeds(kind: JournalKind) async throws {
        let (result, flaky, clock, steps) = try await run(kind: kind, failures: 2, policy: .default)
        #expect(try result.get() == "ok after 3")
        #expect(flaky.attemptCount == 3)
        #expect(clock.sleeps == [.seconds(1), .seconds(2)])
        #expect(steps.count == 1 && steps[0].outputJSON == "\"ok after 3\"", "only the final outcome is checkpointed")
        #expect(steps.first?.attempts == 3, "the record counts the three attempts")
    }

    @Test("a step that keeps failing stops after max attempts and records its last error", arguments: JournalKind.available)
    func exhaustsAttempts(kind: JournalKind) async throws {
        let policy = RetryPolicy(maxAttempts: 4, interval: .milliseconds(100), backoffRate: 2)
        let (result, flaky, clock, steps) = try await run(kind: kind, failures: 100, policy: policy)
        #expect(flaky.attemptCount == 4)
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200), .milliseconds(400)])
        guard case .failure(WorkflowError.failed(_, let recorded)) = result else {
            Issue.record("expected the workflow to fail, got \(result)")
            return
        }
        #expect(recorded.message == "flaky failure on attempt 4")
        #expect(steps.count == 1 && steps[0].errorJSON?.contains("attempt 4") == true)
        #expect(steps.first?.attempts == 4)
    }

    @Test("an error that classifies itself is retried only if it says it may be")
    func classifiedErrors() {
        struct Classified: RetryClassifiedError { var isRetryable: Bool }
        let policy = RetryPolicy(maxAttempts: 5)
        #expect(!policy.isRetryable(Classified(isRetryable: false)))
        #expect(policy.isRetryable(Classified(isRetryable: true)))
        #expect(!RetryPolicy(nonRetryableErrors: [Classified.self]).isRetryable(Classified(isRetryable: true)),
                "a type listed as non-retryable stays so")
        #expect(policy.isRetryable(FlakyError(attempt: 1)))
    }

    @Test("a non-retryable error is not retried", arguments: JournalKind.available)
    func nonRetryable(kind: JournalKind) async throws {
        let policy = RetryPolicy(maxAttempts: 5, nonRetryableErrors: [FlakyError.self])
        let (result, flaky, clock, steps) = try await run(kind: kind, failures: 100, policy: policy)
        #expect(flaky.attemptCount == 1)
        #expect(steps.first?.attempts == 1)
        #expect(clock.sleeps.isEmpty)
        #expect(throws: WorkflowError.self) { try result.get() }
    }
}
