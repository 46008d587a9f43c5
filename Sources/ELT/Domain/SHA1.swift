import Crypto

/// SHA-1 through swift-crypto's `Insecure.SHA1`.
///
/// Used only where a standard or a fingerprint prescribes it: name-based UUIDs (RFC 4122 §4.3)
/// and the digest that recognises a source page repeating the previous one. It is not for
/// anything that needs collision resistance.
enum SHA1 {
    /// The 20-byte digest of `message`.
    static func digest(_ message: some Sequence<UInt8>) -> [UInt8] {
        var hasher = Insecure.SHA1()
        hasher.update(data: Array(message))
        return Array(hasher.finalize())
    }

    /// The digest as 40 lowercase hexadecimal digits.
    static func hexDigest(_ message: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(40)
        for byte in digest(message) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
