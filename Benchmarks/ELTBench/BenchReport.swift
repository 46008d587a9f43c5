import BenchmarkSupport

/// What one `elt-bench` run measured, printed as one JSON line.
struct BenchReport {
    var integrations: Int
    var users: Int
    /// Rows in `users_latest` and changes synced afterwards: both equal `users` on fresh databases.
    var latest: Int
    var synced: Int
    var seconds: Double
    var peakRSSMegabytes: Double?
    var steps: Int
    var workflows: Int
    var journal: String
    /// Where the data tables and the sync target were: `sqlite` or `postgres`.
    var data: String
    var sync: String
    var rawSQLiteRowsPerSecond: Double
    var rawPostgresCommitMicroseconds: Double?
    var rawSQLiteCommitMicroseconds: Double
    /// Rows per second of raw bulk inserts into Postgres (nil when no Postgres was given).
    var rawPostgresRowsPerSecond: Double?
    /// The journal's group commits, and the batch workflows of the run.
    var commits: Int
    var batches: Int
    var physicalLimit: PhysicalLimit

    /// The line, with the fields in their documented order.
    var line: String {
        var line = JSONLine()
        line.append("integrations", .integer(integrations))
        line.append("users", .integer(users))
        line.append("latest", .integer(latest))
        line.append("synced", .integer(synced))
        line.append("seconds", .number(seconds, decimals: 3))
        line.append("users_per_s", .number(seconds > 0 ? Double(users) / seconds : .nan, decimals: 1))
        line.append("peak_rss_mb", peakRSSMegabytes.map { .number($0, decimals: 1) } ?? .null)
        line.append("steps", .integer(steps))
        line.append("workflows", .integer(workflows))
        line.append("journal", .text(journal))
        line.append("data", .text(data))
        line.append("sync", .text(sync))
        line.append("raw_sqlite_rows_per_s", .number(rawSQLiteRowsPerSecond, decimals: 0))
        line.append("raw_pg_commit_us", rawPostgresCommitMicroseconds.map { .number($0, decimals: 1) } ?? .null)
        line.append("raw_sqlite_commit_us", .number(rawSQLiteCommitMicroseconds, decimals: 1))
        line.append("raw_pg_rows_per_s", rawPostgresRowsPerSecond.map { .number($0, decimals: 0) } ?? .null)
        line.append("journal_commits", .integer(commits))
        line.append("batches", .integer(batches))
        line.append("commits_per_batch", .number(batches > 0 ? Double(commits) / Double(batches) : .nan, decimals: 2))
        line.append("physical_limit_users_per_s", .number(physicalLimit.usersPerSecond, decimals: 1))
        let achieved = seconds > 0 ? Double(users) / seconds : .nan
        line.append("physical_ratio", .number(achieved / physicalLimit.usersPerSecond, decimals: 3))
        return line.text
    }
}
