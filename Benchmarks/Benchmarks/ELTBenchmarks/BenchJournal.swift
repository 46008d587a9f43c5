import BenchmarkSupport
import DurableRuntime
import Foundation
import JournalPostgres
import JournalSQLite

/// A journal for one benchmark: a SQLite file in a scratch directory, or a fresh schema on the
/// Postgres at `ELT_BENCH_POSTGRES_URL`. Only names are chosen at registration; ``create()``
/// (in a benchmark's setup) makes the directory and ``remove()`` (in its teardown) deletes it
/// or drops the schema.
struct BenchJournal: Sendable {
    /// Where benchmarks keep their journal (and, for the pipeline, its sync target).
    enum Target: String, Sendable {
        case sqlite
        case postgres

        /// SQLite always; Postgres when `ELT_BENCH_POSTGRES_URL` is set.
        static var available: [Target] {
            BenchJournal.postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
        }
    }

    /// The Postgres URL of the Postgres variants, from `ELT_BENCH_POSTGRES_URL`.
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["ELT_BENCH_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    let target: Target
    /// The scratch directory (data database, SQLite journal and sync target).
    let directory: String
    /// The journal's schema on Postgres.
    let schema: ScratchPostgresSchema?

    /// Names a fresh location; creates nothing.
    init(_ target: Target) {
        self.target = target
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("elt-benchmarks-\(ScratchName.token())").path
        schema = target == .postgres ? BenchJournal.postgresURL.map { ScratchPostgresSchema(url: $0, prefix: "elt_benchmarks") } : nil
    }

    /// Creates the scratch directory.
    func create() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// A new backend on this journal (a Postgres backend runs once: one per runtime).
    func makeBackend() throws -> any JournalBackend {
        if let schema {
            return try PostgresJournal(url: schema.url, schema: schema.name)
        }
        return try SQLiteJournal(path: file("journal.sqlite"))
    }

    /// The path of `name` in the scratch directory.
    func file(_ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }

    /// Deletes the directory and drops the schema.
    func remove() async throws {
        try? FileManager.default.removeItem(atPath: directory)
        try await schema?.drop()
    }
}
