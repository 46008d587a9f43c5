@preconcurrency import Benchmark
import BenchmarkSupport
import ELT
import ELTApp
import Foundation
import Logging

/// One integration through the whole pipeline (extract and load, CDC, apply, sync) with
/// `ELTRunner`, as `elt run --integrations 1` does, on fresh databases every iteration.
enum PipelineBenchmarks {
    static func register(on target: BenchJournal.Target) {
        // 1,000 users per integration: throughput is users per second.
        Benchmark(
            "Pipeline: one integration end to end (\(target.rawValue))",
            configuration: .init(scalingFactor: .kilo, maxDuration: .seconds(15), maxIterations: 20)
        ) { benchmark in
            let journal = BenchJournal(target)
            let sync = target == .postgres ? BenchJournal.postgresURL.map { ScratchPostgresSchema(url: $0, prefix: "elt_benchmarks_sync") } : nil
            try journal.create()
            let configuration = ELTConfiguration(
                dataPath: journal.directory, systemDatabaseURL: journal.schema?.url, syncDatabaseURL: sync?.url,
                syncSchema: sync?.name ?? "public", journalSchema: journal.schema?.name ?? "durable",
                integrations: 1, executorID: "benchmarks", environment: [:], logger: Logger(label: "elt"))
            do {
                benchmark.startMeasurement()
                let outcome = try await ELTRunner(configuration: configuration).run()
                benchmark.stopMeasurement()
                guard outcome.result.usersStaged == benchmark.scaledIterations.count else {
                    throw BenchError("the pipeline staged \(outcome.result.usersStaged) users, expected \(benchmark.scaledIterations.count)")
                }
            } catch {
                try? await journal.remove()
                try? await sync?.drop()
                throw error
            }
            try await journal.remove()
            try await sync?.drop()
        }

        // Journal commits per batch: one integration alone (no other chain shares its group
        // commits), run with 5 and with 15 batches; the difference over the 10 extra batches is
        // what one batch costs, whatever the root and the stages cost once.
        Benchmark(
            "Pipeline: journal commits per batch (\(target.rawValue))",
            configuration: .init(metrics: [.custom("commits per batch ×100", polarity: .prefersSmaller, useScalingFactor: false)],
                                 maxDuration: .seconds(30), maxIterations: 3)
        ) { benchmark in
            var commits: [Int] = []
            for batches in [5, 15] {
                let journal = BenchJournal(target)
                try journal.create()
                let configuration = ELTConfiguration(
                    dataPath: journal.directory, systemDatabaseURL: journal.schema?.url,
                    journalSchema: journal.schema?.name ?? "durable", integrations: 1, executorID: "benchmarks",
                    environment: [:], logger: Logger(label: "elt"))
                let tally = CommitTally(batchName: ExtractAndLoadBatchWorkflow.name)
                var runner = ELTRunner(configuration: configuration)
                runner.interceptors = [tally]
                do {
                    _ = try await runner.run(input: RootInput(numBatches: batches))
                } catch {
                    try? await journal.remove()
                    throw error
                }
                try await journal.remove()
                guard tally.counts.batches == batches else {
                    throw BenchError("the run started \(tally.counts.batches) batches, expected \(batches)")
                }
                commits.append(tally.counts.commits)
            }
            benchmark.measurement(.custom("commits per batch ×100", polarity: .prefersSmaller, useScalingFactor: false),
                                  (commits[1] - commits[0]) * 100 / 10)
        }
    }
}
