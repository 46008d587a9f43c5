import DurableRuntime

/// A workflow of `input` checkpointed steps that do nothing, so that what it costs is the
/// checkpointing alone. With a ``StepTimer`` it times every step.
public struct EmptySteps: Workflow {
    /// `bench_empty_steps`.
    public static let name = "bench_empty_steps"
    /// Times each step when set.
    public let timer: StepTimer?

    /// A workflow that times its steps with `timer` (or does not, when nil).
    public init(timer: StepTimer? = nil) {
        self.timer = timer
    }

    /// Runs `input` empty steps; returns `input`.
    public func run(context: WorkflowContext, input: Int) async throws -> Int {
        for _ in 0..<input {
            let start = ContinuousClock.now
            try await context.step("empty") {}
            timer?.add(Stopwatch.microseconds(since: start))
        }
        return input
    }
}
