// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-durable-elt",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "DurableRuntime", targets: ["DurableRuntime"]),
        .library(name: "JournalSQLite", targets: ["JournalSQLite"]),
        .library(name: "JournalPostgres", targets: ["JournalPostgres"]),
        .library(name: "DurableTesting", targets: ["DurableTesting"]),
        .library(name: "ELT", targets: ["ELT"]),
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
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
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
        // Embedded journal backend: one SQLite file in WAL mode.
        .target(
            name: "JournalSQLite",
            dependencies: [
                "DurableRuntime",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Production journal backend: PostgreSQL through postgres-nio.
        .target(
            name: "JournalPostgres",
            dependencies: [
                "DurableRuntime",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test support: temporary journals, a crash injector, a manual clock.
        .target(
            name: "DurableTesting",
            dependencies: [
                "DurableRuntime", "JournalSQLite", "JournalPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // The ELT pipeline on the runtime's public API: the data store (SQLite), user sources
        // (generator, HTTP), validation, CDC, sync targets (Postgres, SQLite), the workflows.
        .target(
            name: "ELT",
            dependencies: [
                "DurableRuntime", "JournalSQLite", "JournalPostgres",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The command-line tool: `swift run elt run`.
        // (The target is ELTCommand: a module named `elt` beside `ELT` confuses the build.)
        .executableTarget(
            name: "ELTCommand",
            dependencies: [
                "ELT", "DurableRuntime", "JournalSQLite", "JournalPostgres", "CProcessTuning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/elt"
        ),
        // The server's parts: health endpoint, admin API, the service group (Hummingbird).
        .target(
            name: "ELTServer",
            dependencies: [
                "ELT", "DurableRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `elt-server`.
        .executableTarget(
            name: "ELTServerCommand",
            dependencies: [
                "ELT", "ELTServer", "CProcessTuning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/elt-server"
        ),
        // What the bench executables share: raw SQLite/Postgres reference measurements, scratch
        // databases, the empty-steps workflow, peak memory, the JSON line.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                "DurableRuntime", "JournalPostgres",
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
                "BenchmarkSupport", "DurableRuntime", "JournalSQLite", "JournalPostgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/DurableBench"
        ),
        // The whole pipeline for N integrations, one JSON line: `swift run -c release elt-bench --integrations N`.
        .executableTarget(
            name: "ELTBench",
            dependencies: [
                "BenchmarkSupport", "ELT", "DurableRuntime", "JournalPostgres", "CProcessTuning",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ELTBench"
        ),
        .testTarget(
            name: "DurableRuntimeTests",
            dependencies: ["DurableRuntime", "JournalSQLite", "JournalPostgres", "DurableTesting"]
        ),
        .testTarget(
            name: "ELTTests",
            dependencies: [
                "ELT", "ELTServer", "DurableRuntime", "DurableTesting", "JournalSQLite", "JournalPostgres",
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
                "DurableRuntime", "JournalSQLite", "JournalPostgres",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
