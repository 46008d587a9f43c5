import BenchmarkSupport
import GRDB
import PostgresNIO

/// How many workflows and recorded operations a journal holds, counted with one SQL query on
/// the journal's tables (schema version 1: `workflow_status`, `operation_outputs`), which is
/// far cheaper than listing every workflow's steps through the runtime.
struct JournalCounts {
    /// Rows of `workflow_status`.
    var workflows: Int
    /// Rows of `operation_outputs`: every checkpointed operation (steps, child calls, enqueues, …).
    var steps: Int

    /// Counts the SQLite journal at `path`.
    static func sqlite(path: String) throws -> JournalCounts {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            // The run's last connection may still be closing (checkpointing the WAL into the
            // file under an exclusive lock) when the counts are read.
            configuration.busyMode = .timeout(10)
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                let row = try Row.fetchOne(db, sql: """
                    SELECT (SELECT COUNT(*) FROM workflow_status) AS workflows, (SELECT COUNT(*) FROM operation_outputs) AS steps
                    """)
                return JournalCounts(workflows: row?["workflows"] ?? 0, steps: row?["steps"] ?? 0)
            }
        } catch {
            throw BenchError("cannot count the rows of the SQLite journal \(path): \(error)")
        }
    }

    /// Counts the Postgres journal in `schema` at `url`.
    static func postgres(url: String, schema: String) async throws -> JournalCounts {
        do {
            return try await PostgresSession.withConnection(url: url) { connection, logger in
                let rows = try await connection.query("""
                    SELECT (SELECT count(*) FROM \(unescaped: "\"\(schema)\"").workflow_status),
                           (SELECT count(*) FROM \(unescaped: "\"\(schema)\"").operation_outputs)
                    """, logger: logger)
                for try await (workflows, steps) in rows.decode((Int64, Int64).self) {
                    return JournalCounts(workflows: Int(workflows), steps: Int(steps))
                }
                throw BenchError("the count query returned no row")
            }
        } catch {
            throw BenchError("cannot count the rows of the Postgres journal (schema \(schema)): \(String(reflecting: error))")
        }
    }
}
