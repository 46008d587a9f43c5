import DurableRuntime
import Foundation
import PostgresNIO

/// Where a Postgres journal lives, parsed from a `postgres://` or `postgresql://` URL.
struct PostgresEndpoint: Sendable {
    /// How the connection negotiates TLS (`?sslmode=`).
    enum TLSMode: String, Sendable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS or nothing.
        case require
    }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String?
    var tlsMode: TLSMode
    /// How long a connection attempt may take (`?connect_timeout=` in seconds, as libpq); 5 s by default.
    var connectTimeout: TimeAmount = .seconds(5)

    /// The URL without its password, safe for logs and errors.
    var redacted: String {
        "postgres://\(username)@\(host):\(port)/\(database ?? "")"
    }

    /// Parses `url`, throwing ``JournalError/invalidURL(_:reason:)`` with the password masked.
    init(url: String) throws {
        let masked = Self.mask(url)
        func invalid(_ reason: String) -> JournalError { .invalidURL(masked, reason: reason) }
        guard let components = URLComponents(string: url) else { throw invalid("it is not a URL") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw invalid("the scheme must be postgres:// or postgresql://")
        }
        guard var host = components.host, !host.isEmpty else { throw invalid("it has no host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let user = components.user, !user.isEmpty else { throw invalid("it has no user name") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        if path.contains("/") { throw invalid("the database name '\(path)' contains a slash") }
        var tlsMode: TLSMode = Self.isLoopback(host) ? .disable : .prefer
        var connectTimeout: TimeAmount = .seconds(5)
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw invalid("sslmode must be disable, prefer or require")
                }
                tlsMode = mode
            case "connect_timeout":
                guard let value = item.value, let seconds = Int64(value), seconds > 0 else {
                    throw invalid("connect_timeout must be a whole number of seconds above 0")
                }
                connectTimeout = .seconds(seconds)
            default:
                throw invalid("unknown parameter '\(item.name)' (sslmode and connect_timeout are understood)")
            }
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user
        self.password = components.password
        self.database = path.isEmpty ? nil : path
        self.tlsMode = tlsMode
        self.connectTimeout = connectTimeout
    }

    /// How long a pooled connection may stay unused before the pool closes it.
    static let idleTimeout: Duration = .seconds(1)

    /// The pooled client's configuration; its connections show `applicationName` in
    /// `pg_stat_activity` and resolve unqualified table names in `schema` (a validated
    /// identifier) first, which the prepared statements rely on.
    func clientConfiguration(applicationName: String, schema: String) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch tlsMode {
            case .disable: .disable
            case .prefer: .prefer(Self.tlsConfiguration())
            case .require: .require(Self.tlsConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .nanoseconds(connectTimeout.nanoseconds)
        configuration.options.additionalStartupParameters = [
            ("application_name", applicationName), ("search_path", "\"\(schema)\""),
        ]
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
        return configuration
    }

    /// A direct connection's configuration, with a short connect timeout.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            tls =
                switch tlsMode {
                case .disable: .disable
                case .prefer: .prefer(try NIOSSLContext(configuration: Self.tlsConfiguration()))
                case .require: .require(try NIOSSLContext(configuration: Self.tlsConfiguration()))
                }
        } catch {
            throw JournalError.unreachable(database: redacted, reason: "cannot set up TLS: \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = connectTimeout
        return configuration
    }

    /// TLS as libpq's `prefer`/`require` do it: encrypted, certificate not verified.
    private static func tlsConfiguration() -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
    }

    private static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1"
    }

    /// Replaces the password of a URL with `***`.
    static func mask(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url.range(of: "@", options: .backwards),
            schemeEnd.upperBound <= at.lowerBound
        else { return url }
        let credentials = url[schemeEnd.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at.lowerBound...])
    }
}
