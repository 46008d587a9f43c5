#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a TCP address can be listened on, checked before the server starts, so that a port
/// in use is reported with its option and number instead of NIO's `bind(descriptor:ptr:bytes:)`.
enum PortCheck {
    /// Throws ``ServerError/cannotListen(option:address:reason:)`` if `host:port` cannot be bound
    /// (with `SO_REUSEADDR`, as the server binds). Port 0 (any free port) is not checked.
    static func ensureAvailable(host: String, port: Int, option: String) throws(ServerError) {
        guard port != 0 else { return }
        let address = address(host: host, port: port)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var results: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host, String(port), &hints, &results)
        guard lookup == 0, let first = results else {
            throw .cannotListen(option: option, address: address, reason: "the host name could not be resolved (\(String(cString: gai_strerror(lookup))))")
        }
        defer { freeaddrinfo(results) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return } // cannot test here; the server's own bind reports it
        defer { close(fd) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 {
            throw .cannotListen(option: option, address: address, reason: reason(errno: errno))
        }
    }

    /// `host:port`, with an IPv6 host in brackets.
    static func address(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Why a bind failed with `code`, for ``ServerError/cannotListen(option:address:reason:)``.
    static func reason(errno code: Int32) -> String {
        code == EADDRINUSE ? "another process listens on it" : String(cString: strerror(code))
    }

    /// Whether `code` is one a bind fails with: the port is taken, the address is not this
    /// machine's, or the port needs privileges.
    static func isBindFailure(_ code: Int32) -> Bool {
        [EADDRINUSE, EADDRNOTAVAIL, EACCES].contains(code)
    }
}
