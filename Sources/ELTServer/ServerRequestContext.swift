import Foundation
import Hummingbird
import NIOCore

/// The request context of the health endpoint and the admin API: Hummingbird's basics plus the
/// peer's address, which decides how much `/health` shows.
struct ServerRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    /// The address the request came from; nil when there is none (an in-process test).
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// JSON with sorted keys and unescaped slashes: an answer reads the same every time
    /// (`{"error":{"message":…,"request_id":…}}`), and paths and ids stay legible.
    var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Whether the request came from this machine: an IPv4 127.0.0.0/8 address, `::1`, an
    /// IPv4-mapped 127.x address, or a Unix socket. An unknown peer is not.
    var isFromLoopback: Bool { Self.isLoopback(remoteAddress) }

    /// Whether `address` is a loopback address (see ``isFromLoopback``).
    static func isLoopback(_ address: SocketAddress?) -> Bool {
        switch address {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr) { $0[0] == 127 }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { bytes in
                let ipv6Loopback = bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1
                let mappedIPv4Loopback = bytes.prefix(10).allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
                return ipv6Loopback || mappedIPv4Loopback
            }
        case .unixDomainSocket:
            return true
        case nil:
            return false
        }
    }
}
