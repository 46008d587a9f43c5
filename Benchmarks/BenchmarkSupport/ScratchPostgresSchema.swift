import PostgresNIO

/// A randomly named Postgres schema for one benchmark run, so that every run starts from empty
/// tables; ``drop()`` removes it and everything in it afterwards.
public struct ScratchPostgresSchema: Sendable {
    /// The Postgres URL.
    public let url: String
    /// The schema name, such as `bench_3f2a…` (a plain identifier, safe to put into SQL).
    public let name: String

    /// A new name `<prefix>_<16 hex digits>` on `url`; nothing is created until a journal or a
    /// sync target uses it. `prefix` must be lowercase letters, digits and `_`.
    public init(url: String, prefix: String = "bench") {
        self.url = url
        self.name = "\(prefix)_\(ScratchName.token())"
    }

    /// Drops the schema and its tables, if it exists.
    public func drop() async throws {
        try await PostgresSession.withConnection(url: url) { connection, logger in
            _ = try await connection.query("DROP SCHEMA IF EXISTS \(unescaped: "\"\(name)\"") CASCADE", logger: logger)
        }
    }
}
