import DurableRuntime
import Logging
import PostgresNIO
import PostgresSupport

/// The production journal backend: PostgreSQL through a postgres-nio connection pool.
///
/// All tables live in one Postgres schema (`durable` by default). Queue activity is announced
/// with `NOTIFY <schema>_queue` inside the committing transaction and received by a dedicated
/// `LISTEN` connection, so idle workers of every process wake promptly.
public final class PostgresJournal: JournalBackend {
    /// The schema version this build writes and understands.
    public static let schemaVersion = 6

    /// Always `postgres`.
    public var kind: String { "postgres" }
    /// The Postgres schema holding the journal tables.
    public let schema: String
    /// How long reads and writes keep retrying a lost connection before failing as unreachable.
    public let reconnectTimeout: Duration
    /// How long one statement may go unanswered before its connection is closed and the
    /// operation retried (see `BoundedQuery`); default 30 s.
    public let statementTimeout: Duration

    let endpoint: PostgresEndpoint
    let client: PostgresClient
    let logger: Logger
    /// Raised by every notification on the queue channel (and by this process's own commits).
    let queueActivity = WakeSignal()
    /// Set when ``run()`` has ended: the pool is gone, and a request to it would wait forever,
    /// so every operation fails at once instead.
    let deadlines = OperationDeadlines()
    /// The connection that carries group commits (see ``CommitConnection``).
    let commitConnection = CommitConnection()

    /// Configures a journal at `url` (`postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=…`)
    /// in `schema`. Nothing connects until ``run()`` or ``migrate()``.
    public init(
        url: String, schema: String = "durable", reconnectTimeout: Duration = .seconds(300),
        statementTimeout: Duration = .seconds(30), logger: Logger = Logger(label: "durable.journal.postgres")
    ) throws {
        guard Self.isValidSchemaName(schema) else {
            throw JournalError.invalidURL(
                PostgresEndpoint.mask(url), reason: "schema '\(schema)' must match [a-z_][a-z0-9_]* (at most 63 characters)")
        }
        self.endpoint = try Self.endpoint(url)
        self.schema = schema
        self.reconnectTimeout = reconnectTimeout
        self.statementTimeout = statementTimeout
        self.logger = logger
        var configuration = endpoint.clientConfiguration(startupParameters: Self.sessionParameters(schema: schema))
        // The pool arms a timer task whenever a connection goes idle (a keep-alive query every
        // 30 s, and the idle timeout, 60 s by default) and cancels it at the next lease; a
        // cancelled sleep keeps its task's memory until the original deadline. At thousands of
        // journal operations a second that held tens of megabytes, growing with the run. So: no
        // keep-alive queries (a dead connection is found on its next use, and withReconnect
        // retries), and a short idle timeout, so a cancelled idle timer is gone within a second.
        // (A minimum of open connections would avoid idle timers altogether, but postgres-nio's
        // pool then sometimes never answered a lease after its connections were terminated.)
        configuration.options.keepAliveBehavior = nil
        configuration.options.connectionIdleTimeout = Self.idleTimeout
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// How long a pooled connection may stay unused before the pool closes it.
    static let idleTimeout: Duration = .seconds(1)

    /// `url` parsed by ``PostgresEndpoint``; a bad URL is ``JournalError/invalidURL(_:reason:)``.
    static func endpoint(_ url: String) throws(JournalError) -> PostgresEndpoint {
        do {
            return try PostgresEndpoint(url: url)
        } catch {
            throw .invalidURL(error.maskedURL, reason: error.reason)
        }
    }

    /// The configuration of a direct (unpooled) connection to `url`, parsed exactly as the
    /// journal parses its own URL (TLS mode, defaults, errors that hide the password).
    public static func connectionConfiguration(url: String) throws -> PostgresConnection.Configuration {
        try endpoint(url).connectionConfiguration()
    }

    /// `url` without its password, for logs and messages; throws if it is not a Postgres URL.
    public static func redacted(url: String) throws -> String {
        try endpoint(url).redacted
    }

    /// The `application_name` the journal's pooled connections report, such as `durable-journal:durable`.
    public static func applicationName(schema: String) -> String { "durable-journal:\(schema)" }

    /// How long a journal connection may sit idle inside a transaction before Postgres ends its
    /// session (`idle_in_transaction_session_timeout`, Postgres docs "Client Connection
    /// Defaults"): 10 s. The journal's transactions wait on the client for milliseconds between
    /// statements; a process paused inside one (SIGSTOP, a frozen VM, a debugger) would otherwise
    /// hold its locks (a dequeue's queue lock, a migration's lock, row locks) and stall every
    /// other process's dequeues of that queue until it continued. When it continues, its next
    /// statement finds the connection closed and is retried on a new one; what it had not
    /// committed was rolled back.
    public static let idleInTransactionTimeout: Duration = .seconds(10)

    /// The session parameters of every connection of a journal in `schema`: its application name
    /// (see ``applicationName(schema:)``), `search_path` set to the schema, and
    /// ``idleInTransactionTimeout``.
    public static func sessionParameters(schema: String) -> [(String, String)] {
        PostgresEndpoint.sessionParameters(
            applicationName: applicationName(schema: schema), searchPath: schema, idleInTransactionTimeout: idleInTransactionTimeout)
    }

    /// The NOTIFY/LISTEN channel of this journal's queues.
    var channel: String { "\(schema)_queue" }

    /// A table name qualified with the journal schema, for SQL text (the schema is validated).
    func table(_ name: String) -> String { "\"\(schema)\".\(name)" }

    /// Runs the connection pool and the LISTEN connection until the task is cancelled.
    /// Call it once per journal.
    public func run() async throws {
        defer {
            deadlines.close()
            commitConnection.close()
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            group.addTask { await self.listenForQueueActivity() }
            group.addTask {
                // Expires the reconnect deadlines of operations that wait for an unreachable server.
                while (try? await Task.sleep(for: .seconds(1))) != nil {
                    self.deadlines.expire(asOf: .now)
                }
            }
            await group.next()
            group.cancelAll()
        }
        try Task.checkCancellation()
    }

    /// Waits for a notification on the queue channel, or `timeout` as a fallback poll.
    public func waitForQueueActivity(timeout: Duration) async throws {
        await queueActivity.wait(timeout: timeout)
        try Task.checkCancellation()
    }

    /// Keeps one connection listening on ``channel``, re-establishing it with backoff.
    private func listenForQueueActivity() async {
        var delay = Duration.milliseconds(50)
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: self.channel) { notifications in
                        delay = .milliseconds(50)
                        // Notifications sent while we were not listening are lost: look again.
                        self.queueActivity.raise()
                        for try await _ in notifications {
                            self.queueActivity.raise()
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                // The pool closes its connections first when the journal service stops; that is not news.
                let level: Logger.Level = (error as? PSQLError)?.code == .clientClosedConnection ? .debug : .warning
                logger.log(
                    level: level, "queue LISTEN connection lost; reconnecting",
                    metadata: ["channel": "\(channel)", "error": "\(PostgresErrorText.describe(error))"])
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                return
            }
            delay = min(delay * 2, .seconds(2))
        }
    }

    static func isValidSchemaName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63 else { return false }
        let isLower = { (c: UInt8) in c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }
        let isDigit = { (c: UInt8) in c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        guard isLower(first) || first == UInt8(ascii: "_") else { return false }
        return name.utf8.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }
}
