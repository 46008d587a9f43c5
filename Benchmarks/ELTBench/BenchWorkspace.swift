import BenchmarkSupport
import Foundation

/// The fresh databases of one `elt-bench` run: a data directory (temporary, or the empty one the
/// user gave), and a random schema for each Postgres database; ``tearDown()`` removes what the
/// run created.
struct BenchWorkspace {
    /// The data directory: `data.sqlite`, and the SQLite journal and sync target when used.
    let dataPath: String
    /// The temporary directory to delete afterwards; nil when the user gave `--data-path`.
    let scratch: ScratchDirectory?
    /// The journal's schema, when the journal is on Postgres.
    let journalSchema: ScratchPostgresSchema?
    /// The sync target's schema, when the sync target is on Postgres.
    let syncSchema: ScratchPostgresSchema?
    /// The data tables' schema, when the data store is on Postgres.
    let dataSchema: ScratchPostgresSchema?

    /// Prepares `dataPath` (which must be missing or empty) or a temporary directory, and names
    /// fresh schemas for the Postgres URLs given.
    init(dataPath: String?, systemDatabaseURL: String?, syncDatabaseURL: String?, dataDatabaseURL: String? = nil) throws {
        if let dataPath {
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: dataPath)) ?? []
            guard contents.isEmpty else {
                throw BenchError("--data-path \(dataPath) is not empty; elt-bench needs fresh databases, so give an empty or new directory")
            }
            do {
                try FileManager.default.createDirectory(atPath: dataPath, withIntermediateDirectories: true)
            } catch {
                throw BenchError("cannot create --data-path \(dataPath): \(error)")
            }
            self.dataPath = dataPath
            scratch = nil
        } else {
            let directory = try ScratchDirectory(prefix: "elt-bench")
            self.dataPath = directory.path
            scratch = directory
        }
        journalSchema = systemDatabaseURL.map { ScratchPostgresSchema(url: $0, prefix: "elt_bench_journal") }
        syncSchema = syncDatabaseURL.map { ScratchPostgresSchema(url: $0, prefix: "elt_bench_sync") }
        dataSchema = dataDatabaseURL.map { ScratchPostgresSchema(url: $0, prefix: "elt_bench_data") }
    }

    /// The path of `name` in the data directory.
    func file(_ name: String) -> String {
        (dataPath as NSString).appendingPathComponent(name)
    }

    /// Drops the schemas and deletes the temporary directory; tries every part, then throws the
    /// first failure.
    func tearDown() async throws {
        var failures: [String] = []
        for schema in [journalSchema, syncSchema, dataSchema].compactMap({ $0 }) {
            do {
                try await schema.drop()
            } catch {
                failures.append("cannot drop schema \(schema.name): \(error)")
            }
        }
        if let scratch {
            do {
                try scratch.remove()
            } catch {
                failures.append("cannot delete \(scratch.path): \(error)")
            }
        }
        if !failures.isEmpty { throw BenchError("clean-up failed: " + failures.joined(separator: "; ")) }
    }
}
