// The package-benchmark suite: `cd Benchmarks && swift package benchmark`.
//
// Every benchmark reports throughput, wall clock, peak resident memory and mallocs. Work is
// counted per item (a step, a staged user, a changed user, a pipeline's user): the scaling
// factor is the number of items one iteration handles, so throughput reads as items per
// second (shown in K/s, rounded; the wall-clock row, µs per item, is the precise one).
// Postgres variants run only when ELT_BENCH_POSTGRES_URL is set (each in a fresh schema,
// dropped afterwards).
@preconcurrency import Benchmark

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .peakMemoryResident, .mallocCountTotal],
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 50)

    for target in BenchJournal.Target.available {
        CheckpointBenchmarks.register(on: target)
    }
    StoreBenchmarks.register()
    for target in BenchJournal.Target.available {
        PipelineBenchmarks.register(on: target)
    }
}
