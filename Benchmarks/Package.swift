// swift-tools-version: 6.1
// The package-benchmark suite, a package of its own so that the root package (and CI) never
// builds the benchmark tooling: `cd Benchmarks && swift package benchmark`.
import PackageDescription

let package = Package(
    name: "swift-durable-elt-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named, because a path dependency's identity is its directory's name, which differs
        // between clones and worktrees.
        .package(name: "swift-durable-elt", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ELTBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BenchmarkSupport", package: "swift-durable-elt"),
                .product(name: "DurableRuntime", package: "swift-durable-elt"),
                .product(name: "JournalSQLite", package: "swift-durable-elt"),
                .product(name: "JournalPostgres", package: "swift-durable-elt"),
                .product(name: "ELT", package: "swift-durable-elt"),
                .product(name: "ELTSQLite", package: "swift-durable-elt"),
                .product(name: "ELTApp", package: "swift-durable-elt"),
            ],
            path: "Benchmarks/ELTBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
