#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a TCP address can be listened on, checked before the server starts, so that a port
/// in use is reported with its option and number instead of NIO's `bind(descriptor:ptr:bytes:)`.
enum PortCheck {
    /// The options that set one listening address: `--host` and `--port`, or `--admin-host`
    /// and `--admin-port`.
    struct Options: Sendable {
        var host: String
        var port: String

        static let health = Options(host: "--host", port: "--port")
        static let admin = Options(host: "--admin-host", port: "--admin-port")
    }

    /// Throws ``ServerError/cannotListen(option:address:reason:fix:)`` if `host:port` cannot be
    /// bound (with `SO_REUSEADDR`, as the server binds). With port 0 (any free port) only the
    /// host is checked.
    static func ensureAvailable(host: String, port: Int, options: Options) throws(ServerError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var results: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host, String(port), &hints, &results)
        guard lookup == 0, let first = results else {
            throw .cannotListen(
                option: options.host, address: address(host: host, port: port),
                reason: "the host name could not be resolved (\(String(cString: gai_strerror(lookup))))", fix: hostFix(options))
        }
        defer { freeaddrinfo(results) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return } // cannot test here; the server's own bind reports it
        defer { close(fd) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 {
            throw failure(errno: errno, host: host, port: port, options: options)
        }
    }

    /// `host:port`, with an IPv6 host in brackets.
    static func address(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Whether `code` is one a bind fails with: the port is taken, the address is not this
    /// machine's, or the port needs privileges.
    static func isBindFailure(_ code: Int32) -> Bool {
        [EADDRINUSE, EADDRNOTAVAIL, EACCES].contains(code)
    }

    /// Why binding `host:port` failed with `code`, naming the option to change and how.
    static func failure(errno code: Int32, host: String, port: Int, options: Options) -> ServerError {
        let address = address(host: host, port: port)
        switch code {
        case EADDRINUSE:
            return .cannotListen(
                option: options.port, address: address, reason: "another process listens on it",
                fix: "stop the process that uses it, or pick another \(options.port)")
        case EADDRNOTAVAIL:
            return .cannotListen(
                option: options.host, address: address, reason: "\(host) is not an address of this machine", fix: hostFix(options))
        case EACCES:
            return .cannotListen(
                option: options.port, address: address, reason: "permission denied (ports below 1024 need privileges)",
                fix: "pick a \(options.port) of 1024 or more")
        default:
            return .cannotListen(
                option: "\(options.host), \(options.port)", address: address, reason: String(cString: strerror(code)),
                fix: "check \(options.host) and \(options.port)")
        }
    }

    /// What to do about a host that cannot be listened on.
    private static func hostFix(_ options: Options) -> String {
        "set \(options.host) to an address of this machine: 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)"
    }
}
