import Foundation

extension UUID {
    /// The RFC 4122 namespace for fully qualified domain names.
    public static let namespaceDNS = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
    /// The RFC 4122 namespace for URLs.
    public static let namespaceURL = UUID(uuidString: "6ba7b811-9dad-11d1-80b4-00c04fd430c8")!
    /// The RFC 4122 namespace for ISO object identifiers.
    public static let namespaceOID = UUID(uuidString: "6ba7b812-9dad-11d1-80b4-00c04fd430c8")!

    /// The RFC 4122 name-based UUID (version 5, SHA-1) of `name` in `namespace`.
    ///
    /// The same namespace and name always give the same UUID, in any language: it equals
    /// Python's `uuid.uuid5(namespace, name)`.
    public static func v5(namespace: UUID, name: String) -> UUID {
        var message: [UInt8] = []
        message.reserveCapacity(16 + name.utf8.count)
        withUnsafeBytes(of: namespace.uuid) { message.append(contentsOf: $0) }
        message.append(contentsOf: name.utf8)
        var bytes = Array(SHA1.digest(message).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50   // version 5
        bytes[8] = (bytes[8] & 0x3F) | 0x80   // RFC 4122 variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
