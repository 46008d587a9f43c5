import Foundation
import PostgresNIO

/// Where a Postgres database lives, parsed from a `postgres://` or `postgresql://` URL: one
/// parser for the journal, the data store and the sync target.
///
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require&connect_timeout=S]`,
/// as libpq reads it: port 5432 by default; TLS `disable` on loopback and `prefer` elsewhere by
/// default (encrypted, certificate not verified); a 5 s connect timeout by default.
public struct PostgresEndpoint: Sendable {
    /// How the connection negotiates TLS (`?sslmode=`).
    public enum TLSMode: String, Sendable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS or nothing.
        case require
    }

    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// The user name.
    public var username: String
    /// The password, if the URL has one.
    public var password: String?
    /// The database, if the URL names one.
    public var database: String?
    /// How TLS is negotiated.
    public var tlsMode: TLSMode
    /// How long a connection attempt may take (`?connect_timeout=` in seconds, as libpq); 5 s by default.
    public var connectTimeout: TimeAmount = .seconds(5)

    /// The URL without its password, safe for logs and errors: `postgres://user@host:port/db`.
    public var redacted: String {
        "postgres://\(username)@\(host):\(port)/\(database ?? "")"
    }

    /// Parses `url`; a URL that is not a Postgres URL throws ``PostgresURLError``, whose text
    /// shows the URL with its password masked.
    public init(url: String) throws(PostgresURLError) {
        let masked = Self.mask(url)
        func invalid(_ reason: String) -> PostgresURLError { PostgresURLError(maskedURL: masked, reason: reason) }
        guard let components = URLComponents(string: url) else { throw invalid("it is not a URL") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw invalid("the scheme must be postgres:// or postgresql://")
        }
        guard var host = components.host, !host.isEmpty else { throw invalid("it has no host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let user = components.user, !user.isEmpty else { throw invalid("it has no user name") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        if path.contains("/") { throw invalid("the database name '\(path)' contains a slash") }
        if let port = components.port, !(1...65535).contains(port) { throw invalid("port \(port) is not a port (1-65535)") }
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

    /// The startup parameters of a session: `application_name` (shown in `pg_stat_activity`);
    /// with `searchPath`, `search_path` (unqualified table names resolve in that schema, a
    /// validated identifier, first); and `idle_in_transaction_session_timeout`, after which the
    /// server ends a session that has waited that long inside a transaction (a process paused by
    /// SIGSTOP, a frozen VM or a debugger), so that its locks go. Postgres takes whole
    /// milliseconds; its default, 0, never ends such a session.
    public static func sessionParameters(
        applicationName: String, searchPath: String? = nil, idleInTransactionTimeout: Duration
    ) -> [(String, String)] {
        let milliseconds = idleInTransactionTimeout.components.seconds * 1000
            + idleInTransactionTimeout.components.attoseconds / 1_000_000_000_000_000
        var parameters = [("application_name", applicationName)]
        if let searchPath { parameters.append(("search_path", "\"\(searchPath)\"")) }
        parameters.append(("idle_in_transaction_session_timeout", "\(milliseconds)"))
        return parameters
    }

    /// A pooled client's configuration, whose connections start with `startupParameters` (see
    /// ``sessionParameters(applicationName:searchPath:idleInTransactionTimeout:)``).
    public func clientConfiguration(startupParameters: [(String, String)]) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch tlsMode {
            case .disable: .disable
            case .prefer: .prefer(Self.tlsConfiguration())
            case .require: .require(Self.tlsConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .nanoseconds(connectTimeout.nanoseconds)
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    /// A direct connection's configuration, with the connect timeout of the URL, starting with
    /// `startupParameters` (none by default; see
    /// ``sessionParameters(applicationName:searchPath:idleInTransactionTimeout:)``).
    public func connectionConfiguration(startupParameters: [(String, String)] = []) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            tls =
                switch tlsMode {
                case .disable: .disable
                case .prefer: .prefer(try NIOSSLContext(configuration: Self.tlsConfiguration()))
                case .require: .require(try NIOSSLContext(configuration: Self.tlsConfiguration()))
                }
        } catch {
            throw PostgresConnectError.tlsSetup(database: redacted, reason: String(describing: error))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = connectTimeout
        configuration.options.additionalStartupParameters = startupParameters
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

    /// `url` with its password replaced by `***`.
    public static func mask(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url.range(of: "@", options: .backwards),
            schemeEnd.upperBound <= at.lowerBound
        else { return url }
        let credentials = url[schemeEnd.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at.lowerBound...])
    }

    /// `url` without its password, or nil if it is not a Postgres URL.
    public static func redacted(_ url: String) -> String? {
        try? PostgresEndpoint(url: url).redacted
    }
}

/// A URL that is not a Postgres URL.
public struct PostgresURLError: Error, CustomStringConvertible, Equatable {
    /// The URL, its password masked.
    public var maskedURL: String
    /// What is wrong with it.
    public var reason: String

    /// What is wrong, and the shape of a valid URL.
    public var description: String {
        "'\(maskedURL)' is not a valid Postgres URL: \(reason). Use postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    }
}

/// Why a direct connection could not be made.
public enum PostgresConnectError: Error, CustomStringConvertible {
    /// No answer within the connect timeout.
    case timedOut(database: String, after: Duration)
    /// TLS could not be set up on this machine.
    case tlsSetup(database: String, reason: String)

    /// What happened.
    public var description: String {
        switch self {
        case let .timedOut(database, after): "\(database) gave no answer within \(after)"
        case let .tlsSetup(database, reason): "cannot set up TLS for \(database): \(reason)"
        }
    }
}
