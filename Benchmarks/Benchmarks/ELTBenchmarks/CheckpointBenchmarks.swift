@preconcurrency import Benchmark
import BenchmarkSupport
import DurableRuntime
import Foundation

/// What a checkpoint costs: empty steps one after another, and many workflows at once (where
/// the journal actor's group commit shares one transaction among concurrent checkpoints).
enum CheckpointBenchmarks {
    static func register(on target: BenchJournal.Target) {
        // 1,000 sequential empty steps per iteration: throughput is checkpoints per second.
        let sequential = BenchJournal(target)
        Benchmark(
            "Checkpoint: sequential empty step (\(target.rawValue))",
            configuration: .init(scalingFactor: .kilo)
        ) { benchmark in
            try await run(on: sequential, benchmark: benchmark, workflows: 1, stepsPerWorkflow: benchmark.scaledIterations.count)
        } setup: {
            try sequential.create()
        } teardown: {
            try await sequential.remove()
        }

        // 100 concurrent workflows × 10 steps per iteration: group commit.
        let concurrent = BenchJournal(target)
        Benchmark(
            "Checkpoint: group commit, 100 concurrent workflows (\(target.rawValue))",
            configuration: .init(scalingFactor: .kilo)
        ) { benchmark in
            try await run(on: concurrent, benchmark: benchmark, workflows: 100, stepsPerWorkflow: benchmark.scaledIterations.count / 100)
        } setup: {
            try concurrent.create()
        } teardown: {
            try await concurrent.remove()
        }
    }

    /// Starts a runtime (not measured), runs `workflows` workflows of `stepsPerWorkflow` empty
    /// steps at once (measured), and stops the runtime.
    private static func run(on journal: BenchJournal, benchmark: Benchmark, workflows: Int, stepsPerWorkflow: Int) async throws {
        let runtime = WorkflowRuntime(backend: try journal.makeBackend(), configuration: RuntimeConfiguration(executorID: "benchmarks"))
        runtime.register(EmptySteps())
        let prefix = "bench-\(ScratchName.token())"
        try await runtime.withRunning { runtime in
            benchmark.startMeasurement()
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<workflows {
                    group.addTask { try await runtime.run(EmptySteps.self, id: "\(prefix)-\(index)", input: stepsPerWorkflow) }
                }
                try await group.waitForAll()
            }
            benchmark.stopMeasurement()
        }
    }
}
