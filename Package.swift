// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-durable-elt",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "DurableRuntime", targets: ["DurableRuntime"]),
        .library(name: "DurableObservability", targets: ["DurableObservability"]),
        .library(name: "JournalSQLite", targets: ["JournalSQLite"]),
        .library(name: "JournalPostgres", targets: ["JournalPostgres"]),
        .library(name: "DurableTesting", targets: ["DurableTesting"]),
        .library(name: "PostgresSupport", targets: ["PostgresSupport"]),
        .library(name: "ELT", targets: ["ELT"]),
        .library(name: "ELTSQLite", targets: ["ELTSQLite"]),
        .library(name: "ELTPostgres", targets: ["ELTPostgres"]),
        .library(name: "ELTApp", targets: ["ELTApp"]),
        .executable(name: "elt", targets: ["ELTCommand"]),
        .executable(name: "elt-server", targets: ["ELTServerCommand"]),
        .executable(name: "elt-bench", targets: ["ELTBench"]),
        // Shared by the bench executables and the package-benchmark suite (Benchmarks/Package.swift,
        // a separate package that can only reach this one's products).
        .library(name: "BenchmarkSupport", targets: ["BenchmarkSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // Already built for postgres-nio (SCRAM); the journal names its batch function by a digest.
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The dashboard's server-side templates (logic-less, HTML-escaping by default).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // OTLP/HTTP only: the gRPC exporter's dependencies (grpc-swift, its NIO transport) are
        // not built. elt-server exports traces when OTEL_EXPORTER_OTLP_ENDPOINT is set.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // Caps malloc arenas when an executable loads (see its header); only executables link it.
        .target(name: "CProcessTuning"),
        // The runtime: workflows, steps, the journal actor, queues. No ELT, no database driver.
        .target(
            name: "DurableRuntime",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Interceptors over the runtime's seam that report through the swift-metrics API (an
        // application bootstraps the exporter, e.g. Prometheus); no exporter here.
        .target(
            name: "DurableObservability",
            dependencies: [
                "DurableRuntime",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What every SQLite user here shares: a write connection that commits on the caller's
        // thread. No runtime, no ELT.
        .target(
            name: "SQLiteSupport",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // Embedded journal backend: one SQLite file in WAL mode.
        .target(
            name: "JournalSQLite",
            dependencies: [
                "DurableRuntime", "SQLiteSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // What every Postgres user here shares: URL parsing and redaction, error text, a direct
        // connect that fails fast, a cache of direct connections. No runtime, no ELT.
        .target(
            name: "PostgresSupport",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Production journal backend: PostgreSQL through postgres-nio.
        .target(
            name: "JournalPostgres",
            dependencies: [
                "DurableRuntime", "PostgresSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test support: temporary journals, a crash injector, a manual clock.
        .target(
            name: "DurableTesting",
            dependencies: [
                "DurableRuntime", "JournalSQLite", "JournalPostgres", "PostgresSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // The ELT pipeline on the runtime's public API and on protocols (DataStore, SyncTarget,
        // UserSource): the workflows, validation, the generator and HTTP sources. No database driver.
        .target(
            name: "ELT",
            dependencies: [
                "DurableRuntime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The embedded data store and sync target: SQLite files (GRDB).
        .target(
            name: "ELTSQLite",
            dependencies: [
                "ELT", "DurableRuntime", "SQLiteSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The shared data store and sync target: PostgreSQL (postgres-nio).
        .target(
            name: "ELTPostgres",
            dependencies: [
                "ELT", "DurableRuntime", "PostgresSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Composition for the executables: flags and URLs → journal, data store, sync target;
        // the one-shot runner and the journal client.
        .target(
            name: "ELTApp",
            dependencies: [
                "ELT", "ELTSQLite", "ELTPostgres", "DurableRuntime", "DurableObservability", "JournalSQLite", "JournalPostgres",
                "PostgresSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The command-line tool: `swift run elt run`.
        // (The target is ELTCommand: a module named `elt` beside `ELT` confuses the build.)
        .executableTarget(
            name: "ELTCommand",
            dependencies: [
                "ELT", "ELTApp", "DurableRuntime", "CProcessTuning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/elt"
        ),
        // The server's parts: health endpoint, admin API, the service group (Hummingbird).
        .target(
            name: "ELTServer",
            dependencies: [
                "ELT", "ELTApp", "DurableRuntime", "DurableObservability",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `elt-server`.
        .executableTarget(
            name: "ELTServerCommand",
            dependencies: [
                "ELT", "ELTApp", "ELTServer", "CProcessTuning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/elt-server"
        ),
        // What the bench executables share: raw SQLite/Postgres reference measurements, scratch
        // databases, the empty-steps workflow, peak memory, the JSON line.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                "DurableRuntime", "JournalPostgres", "PostgresSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/BenchmarkSupport"
        ),
        // Checkpoint cost against the raw database: `swift run -c release durable-bench`.
        .executableTarget(
            name: "durable-bench",
            dependencies: [
                "BenchmarkSupport", "DurableRuntime", "DurableObservability", "JournalSQLite", "JournalPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Benchmarks/DurableBench"
        ),
        // The whole pipeline for N integrations, one JSON line: `swift run -c release elt-bench --integrations N`.
        .executableTarget(
            name: "ELTBench",
            dependencies: [
                "BenchmarkSupport", "ELT", "ELTApp", "DurableRuntime", "JournalPostgres", "PostgresSupport", "CProcessTuning",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ELTBench"
        ),
        .testTarget(
            name: "DurableRuntimeTests",
            dependencies: [
                "DurableRuntime", "DurableObservability", "JournalSQLite", "JournalPostgres", "DurableTesting",
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "ELTTests",
            dependencies: [
                "ELT", "ELTSQLite", "ELTPostgres", "ELTApp", "ELTServer", "DurableRuntime", "DurableTesting", "DurableObservability",
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "JournalSQLite", "JournalPostgres", "PostgresSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // One suite, parameterised over both journal backends.
        .testTarget(
            name: "JournalBackendTests",
            dependencies: [
                "DurableRuntime", "JournalSQLite", "JournalPostgres", "PostgresSupport", "SQLiteSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
