import AsyncHTTPClient
import DurableTesting
import JournalPostgres
import Foundation
import NIOCore
import PostgresNIO
import PostgresSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A running `elt-server` started by a test, with its log in a file.
final class ServerProcess: Sendable {
    let process: ChildProcess
    let port: Int
    let adminPort: Int
    let logPath: String

    /// Starts `elt-server` on free ports with `arguments` (besides the ports).
    init(_ arguments: [String], environment extra: [String: String] = [:]) throws {
        port = try freePort()
        adminPort = try freePort()
        logPath = ELTProcess.temporaryDirectory() + ".log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        var environment = ProcessInfo.processInfo.environment
        for name in ["ELT_SYSTEM_DATABASE_URL", "DBOS_DATABASE_URL", "ELT_SYNC_DATABASE_URL", "ELT_DATA_PATH", "ELT_EXECUTOR_ID"] {
            environment[name] = nil
        }
        environment.merge(extra) { $1 }
        process = try ChildProcess.start(
            executable: ELTProcess.executable.deletingLastPathComponent().appendingPathComponent("elt-server").path,
            arguments: ["--port", "\(port)", "--admin-port", "\(adminPort)"] + arguments, environment: environment,
            output: logPath, error: logPath)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// GET `path` on the health port (or the admin port): status and body.
    func get(_ path: String, admin: Bool = false) async throws -> (status: Int, body: String) {
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(admin ? adminPort : port)\(path)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 24)
        return (Int(response.status.code), String(buffer: body))
    }

    /// Waits until `/health` answers 200 (or fails the test with the server's log).
    func waitUntilHealthy(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                Issue.record("elt-server exited with \(process.terminationStatus):\n\(log)")
                throw CancellationError()
            }
            if let (status, _) = try? await get("/health"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("elt-server did not become healthy:\n\(log)")
        throw CancellationError()
    }

    /// Sends `signal` (SIGSTOP, SIGCONT, …) without waiting for anything.
    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Sends `signal` and waits for the process to end; returns its status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(20)) async -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// A loopback TCP port nothing listens on, for a server a test starts.
///
/// Chosen below the kernel's ephemeral range (`ip_local_port_range`): a port the kernel hands
/// out (bind to port 0) is also what it gives the local end of outgoing connections, and with
/// hundreds of HTTP and Postgres connections in the suite one of them took such a port before
/// the server bound it ("Address already in use", a fresh-clone CI run). Below that range only
/// another test's random pick can collide, which the bind check makes unlikely.
func freePort() throws -> Int {
    let ephemeralStart = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
        .flatMap { $0.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } } ?? 32768
    let range = 10_000..<max(ephemeralStart, 20_000)
    for _ in 0..<100 {
        let port = Int.random(in: range)
        if try canBind(port: port) { return port }
    }
    throw POSIXError(.EADDRINUSE)
}

/// Whether a listening socket could bind 127.0.0.1:`port` now.
private func canBind(port: Int) throws -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    let length = socklen_t(MemoryLayout<sockaddr_in>.size)
    return withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 }
    }
}

/// A fresh Postgres database on the test server, for executables that take a URL.
enum TestDatabase {
    /// Creates database `t_<random>` and returns its URL.
    static func create() async throws -> String {
        let url = try #require(TestEnvironment.postgresURL, "Postgres tests need ELT_TEST_POSTGRES_URL (scripts/test.sh starts one)")
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await withConnection(url: url) { connection, logger in
            // A database name cannot be bound; this one is generated above from hex digits only.
            _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        var components = try #require(URLComponents(string: url))
        components.path = "/" + name
        return try #require(components.string)
    }

    /// When the first step of a workflow whose id starts with one of `prefixes` (a workflow and
    /// its children) completed after `after` (milliseconds since 1970), in the journal schema
    /// `durable` at `url`; nil if none did.
    static func firstStepCompleted(url: String, prefixes: [String], after: Int64) async throws -> Int64? {
        try await withConnection(url: url) { connection, logger in
            var first: Int64?
            for try await value in try await connection.query(
                """
                SELECT MIN(s.completed_at) FROM durable.operation_outputs s
                WHERE s.completed_at > \(after) AND EXISTS (SELECT 1 FROM unnest(\(prefixes)::text[]) p WHERE starts_with(s.workflow_id, p))
                """, logger: logger
            ).decode(Int64?.self) {
                first = value
            }
            return first
        }
    }

    /// The single integer `sql` (constant test SQL) returns on the database at `url`.
    static func scalar(url: String, _ sql: String) async throws -> Int {
        try await withConnection(url: url) { connection, logger in
            var result = 0
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int.self) {
                result = value
            }
            return result
        }
    }

    /// Refuses (or allows again) new connections to `database`, and ends the open ones.
    static func setConnections(database: String, allowed: Bool) async throws {
        let url = try #require(TestEnvironment.postgresURL)
        // Names cannot be bound; `database` comes from ``create()`` (hex digits only).
        guard database.allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber }) else { throw CancellationError() }
        try await withConnection(url: url) { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \(database) ALLOW_CONNECTIONS \(allowed)"), logger: logger)
            if !allowed {
                try await connection.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(database)", logger: logger)
            }
        }
    }

    /// Runs `body` on a direct connection to `url`, closed however `body` ends.
    static func withConnection<T: Sendable>(
        url: String, _ body: (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let logger = Logger(label: "test")
        return try await PostgresDirect.withConnection(
            try PostgresJournal.connectionConfiguration(url: url), database: "the test database", logger: logger) { connection in
            try await body(connection, logger)
        }
    }
}
