import ELT
import Foundation
import GRDB
import SQLiteSupport

/// Opening a SQLite database that other processes (a second `elt-server` on the same data
/// directory) may be creating or migrating at the same moment.
enum SharedSQLite {
    /// Each connection's page cache, in KiB (SQLite's default is 2,000). A stage touches one
    /// run's neighbouring pages (the keys are run-first), and other pages come from the kernel's
    /// cache; the bigger default only filled up as the tables grew: peak RSS at N=1000 on the
    /// Postgres journal 52 → 48.7 MB, at the same throughput at N=50 (`elt-bench`).
    static let pageCacheKiB = 256

    /// How long an open waits out another process's lock before giving up.
    static let lockedOpenTimeout: Duration = .seconds(10)

    /// A WAL pool on `path` (created with its directory if missing), with a 10 s busy timeout,
    /// `synchronous = NORMAL` and a ``pageCacheKiB`` page cache, and `migrate` applied.
    ///
    /// Switching a new file to WAL, and the first migration, take locks that SQLite's busy
    /// timeout does not always cover (`PRAGMA journal_mode` answers "database is locked" at
    /// once), so an open that fails with SQLITE_BUSY or SQLITE_LOCKED is retried every 50 ms
    /// for up to ``lockedOpenTimeout`` (``LockedOpen``). Runs at start-up only.
    static func openPool(
        path: String, label: String, migrate: (DatabasePool) throws -> Void = { _ in }
    ) throws -> DatabasePool {
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = label
        configuration.prepareDatabase(prepare)
        return try LockedOpen.retrying(timeout: lockedOpenTimeout) {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try migrate(pool)
            return pool
        }
    }

    /// The pragmas every connection gets (`synchronous` and the page cache are per connection).
    private static let prepare: @Sendable (Database) throws -> Void = { db in
        try db.execute(sql: "PRAGMA synchronous = NORMAL")
        try db.execute(sql: "PRAGMA cache_size = -\(pageCacheKiB)")
    }

    /// An ``InlineWriter`` on the database at `path` that `pool` (from
    /// ``openPool(path:label:migrate:)``) opened, with the pool's pragmas.
    static func openInlineWriter(path: String, label: String, pool: DatabasePool) throws -> InlineWriter {
        try InlineWriter(path: path, label: label + ".inline", pool: pool, prepare: prepare)
    }
}
