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
    }
}
