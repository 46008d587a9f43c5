/// Decodes the percent-escapes of one URL path segment (RFC 3986), strictly: Hummingbird hands
/// path parameters over as they arrived, so an id with reserved characters (`/` as `%2F`, a
/// space as `%20`, `é` as `%C3%A9`) is only reachable once decoded. `+` stays `+` (it means a
/// space only in form-encoded queries).
enum PercentDecoding {
    /// Why a segment cannot be decoded.
    enum Problem: Error, CustomStringConvertible, Equatable {
        /// A `%` not followed by two hex digits, at a 1-based character position.
        case badEscape(String, position: Int)
        /// The escapes decode to bytes that are not UTF-8.
        case notUTF8

        var description: String {
            switch self {
            case let .badEscape(escape, position):
                "'\(escape)' at character \(position) is not a percent-escape (% and two hex digits); write a literal % as %25"
            case .notUTF8:
                "its percent-escapes decode to bytes that are not UTF-8; escape each byte of the UTF-8 encoding, e.g. é as %C3%A9"
            }
        }
    }

    /// `segment` with every `%XX` replaced by its byte, read as UTF-8.
    static func decode(_ segment: some StringProtocol) throws(Problem) -> String {
        let input = Array(segment.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            guard input[index] == UInt8(ascii: "%") else {
                bytes.append(input[index])
                index += 1
                continue
            }
            guard index + 2 < input.count, let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2]) else {
                let escape = String(decoding: input[index..<min(index + 3, input.count)], as: UTF8.self)
                let position = String(decoding: input[..<index], as: UTF8.self).count + 1
                throw .badEscape(escape, position: position)
            }
            bytes.append(high << 4 | low)
            index += 3
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw .notUTF8 }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
