import Foundation
import JournalPostgres
import Logging
import PostgresSupport

/// A client command that reads or changes what exists was pointed at a journal or a data
/// database that does not: a typo in `--data-path`, `--journal-schema` or `--data-schema`.
/// Nothing was created.
public struct MissingStoreError: Error, CustomStringConvertible {
    /// What the message says.
    public let description: String
}

extension ELTConfiguration {
    /// Throws ``MissingStoreError`` when the journal does not exist (the SQLite file, or the
    /// schema's `workflow_status` table on Postgres), creating nothing. A server that cannot be
    /// reached is left to the journal's own open, which reports it.
    public func requireExistingJournal() async throws {
        try await Self.requireExisting(
            file: journalLocation, url: systemDatabaseURL, table: "\"\(journalSchema)\".workflow_status", logger: logger,
            missingFile: "no journal at \(journalLocation): check --data-path (or ELT_DATA_PATH), which must be the directory an "
                + "elt-server or elt run uses",
            missingTable: "no journal in \(journalLocation): check --journal-schema (the servers' schema; default durable) and the URL")
    }

    /// Throws ``MissingStoreError`` when the data database does not exist (`data.sqlite`, or the
    /// schema's `connected_integrations` table on Postgres), creating nothing.
    public func requireExistingDataStore() async throws {
        try await Self.requireExisting(
            file: dataDatabasePath, url: dataDatabaseURL, table: "\"\(dataSchema)\".connected_integrations", logger: logger,
            missingFile: "no data database at \(dataDatabasePath): check --data-path (or ELT_DATA_PATH); elt integrations add, "
                + "elt run or elt-server creates it",
            missingTable: "no data tables in \(dataLocation): check --data-schema and the URL")
    }

    /// `file` must exist (no `url`), or `table` at `url` (unless that cannot be told); else
    /// the matching message, with "nothing was created".
    static func requireExisting(
        file: String, url: String?, table: String, logger: Logger, missingFile: String, missingTable: String
    ) async throws {
        guard let url else {
            guard FileManager.default.fileExists(atPath: file) else { throw MissingStoreError(description: missingFile + "; nothing was created") }
            return
        }
        guard let exists = await postgresTable(table, url: url, logger: logger), !exists else { return }
        throw MissingStoreError(description: missingTable + "; nothing was created")
    }

    /// Whether `table` exists at `url`; nil when that cannot be told (a bad URL, a server not
    /// reached).
    static func postgresTable(_ table: String, url: String, logger: Logger) async -> Bool? {
        guard let configuration = try? PostgresJournal.connectionConfiguration(url: url) else { return nil }
        let database = (try? PostgresJournal.redacted(url: url)) ?? "postgres"
        return try? await PostgresDirect.tableExists(configuration, database: database, table: table, logger: logger)
    }
}
