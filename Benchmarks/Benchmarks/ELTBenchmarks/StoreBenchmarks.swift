@preconcurrency import Benchmark
import BenchmarkSupport
import ELT
import ELTSQLite
import Foundation

/// The data database's stages on their own, without the runtime: staging inserts
/// (`StoreActor.stageBatch`) and change detection plus apply.
enum StoreBenchmarks {
    /// Users per staged batch, as in the pipeline (10 pages × 10 users).
    static let batchSize = 100

    static func register() {
        // 10 batches of 100 users per iteration: throughput is staged users per second.
        let staging = BenchJournal(.sqlite)
        Benchmark(
            "Staging: stageBatch, 100 users per batch (sqlite)",
            configuration: .init(scalingFactor: .kilo),
            closure: { (benchmark: Benchmark, store: StoreActor) async throws in
                let owner = tenant("bench-staging")
                let batches = users(count: benchmark.scaledIterations.count, tenant: owner)
                let run = "run-\(ScratchName.token())"
                benchmark.startMeasurement()
                for (number, batch) in batches.enumerated() {
                    _ = try await store.stageBatch(runID: run, tenant: owner, batch: number, users: batch, quarantined: [])
                }
                benchmark.stopMeasurement()
            },
            setup: { () async throws -> StoreActor in
                try staging.create()
                return try StoreActor(path: staging.file("data.sqlite"))
            },
            teardown: { try await staging.remove() })

        // A new tenant per iteration: stage 1,000 users (not measured), then detect their
        // changes (1,000 inserts) and apply them to users_latest (measured).
        let cdc = BenchJournal(.sqlite)
        Benchmark(
            "CDC: detect + apply 1,000 inserts (sqlite)",
            configuration: .init(scalingFactor: .kilo),
            closure: { (benchmark: Benchmark, store: StoreActor) async throws in
                let owner = tenant("bench-" + ScratchName.token())
                let run = "run-\(ScratchName.token())"
                for (number, batch) in users(count: benchmark.scaledIterations.count, tenant: owner).enumerated() {
                    _ = try await store.stageBatch(runID: run, tenant: owner, batch: number, users: batch, quarantined: [])
                }
                benchmark.startMeasurement()
                let changes = try await store.detectChanges(runID: run, tenant: owner, snapshotComplete: true)
                let applied = try await store.applyChanges(runID: run, tenant: owner)
                benchmark.stopMeasurement()
                guard changes.inserts == benchmark.scaledIterations.count, applied.applied == changes.total else {
                    throw BenchError("CDC found \(changes) and applied \(applied.applied); expected \(benchmark.scaledIterations.count) inserts")
                }
            },
            setup: { () async throws -> StoreActor in
                try cdc.create()
                return try StoreActor(path: cdc.file("data.sqlite"))
            },
            teardown: { try await cdc.remove() })
    }

    /// The tenant of `organization`'s (only) integration.
    static func tenant(_ organization: String) -> Tenant {
         Tenant(organizationID: organization, connectedIntegrationID: ConnectedIntegration.id(organizationID: organization, provider: "bench"))
    }

    /// `count` generated users of `tenant`, in batches of ``batchSize``.
    static func users(count: Int, tenant: Tenant) -> [[SourceUser]] {
        let generator = UserGenerator(integrationID: tenant.connectedIntegrationID, organizationID: tenant.organizationID, baseCount: count)
        return (0..<(count + batchSize - 1) / batchSize).map { generator.page(snapshot: 0, page: $0, pageSize: batchSize) }
    }
}
