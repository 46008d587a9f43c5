import Foundation

/// Makes a page body decodable record by record when some of its strings hold text no Swift
/// string (and no database) can: bytes that are not UTF-8, and `\u` escapes of half a
/// surrogate pair. JSON decoders refuse the whole page for either, so one bad record would fail
/// its page; instead each such byte or escape becomes a noncharacter the validator rejects:
/// ``invalidUTF8`` (U+FFFF) or ``unpairedSurrogate`` (U+FFFE), written as a `\u` escape.
///
/// Outside strings a marker is still invalid JSON, so a body broken there fails as before.
/// Bodies that need no repair (the usual case) are returned as they are, after one byte scan.
enum JSONTextRepair {
    /// What an invalid UTF-8 byte becomes.
    static let invalidUTF8: Unicode.Scalar = "\u{FFFF}"
    /// What an escape of an unpaired surrogate becomes.
    static let unpairedSurrogate: Unicode.Scalar = "\u{FFFE}"

    private static let invalidUTF8Escape = Array(#"\uFFFF"#.utf8)
    private static let unpairedSurrogateEscape = Array(#"\uFFFE"#.utf8)

    /// `data` with every invalid UTF-8 byte and unpaired surrogate escape replaced, or `data`
    /// itself when there is none.
    static func repaired(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        var output: [UInt8]? = nil
        var copiedUpTo = 0
        func replace(_ range: Range<Int>, with marker: [UInt8]) {
            if output == nil { output = []; output!.reserveCapacity(bytes.count + 16) }
            output!.append(contentsOf: bytes[copiedUpTo..<range.lowerBound])
            output!.append(contentsOf: marker)
            copiedUpTo = range.upperBound
        }
        var index = 0
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                if byte == UInt8(ascii: "\"") {
                    inString.toggle()
                } else if inString, byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                    if bytes[index + 1] == UInt8(ascii: "u"), let unit = hex4(bytes, at: index + 2) {
                        if (0xD800...0xDBFF).contains(unit) {
                            if index + 12 <= bytes.count,
                               bytes[index + 6] == UInt8(ascii: "\\"), bytes[index + 7] == UInt8(ascii: "u"),
                               let low = hex4(bytes, at: index + 8), (0xDC00...0xDFFF).contains(low) {
                                index += 12
                                continue
                            }
                            replace(index..<index + 6, with: unpairedSurrogateEscape)
                        } else if (0xDC00...0xDFFF).contains(unit) {
                            replace(index..<index + 6, with: unpairedSurrogateEscape)
                        }
                        index += 6
                        continue
                    }
                    index += 2 // any other escape, including \" and \\
                    continue
                }
                index += 1
                continue
            }
            let length = validSequenceLength(bytes, at: index)
            if length == 0 {
                replace(index..<index + 1, with: invalidUTF8Escape)
                index += 1
            } else {
                index += length
            }
        }
        guard var repaired = output else { return data }
        repaired.append(contentsOf: bytes[copiedUpTo...])
        return Data(repaired)
    }

    /// The value of four hex digits at `offset`, if there are four.
    private static func hex4(_ bytes: [UInt8], at offset: Int) -> Int? {
        guard offset + 4 <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[offset..<offset + 4] {
            let digit: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Int(byte - UInt8(ascii: "A")) + 10
            default: return nil
            }
            value = value * 16 + digit
        }
        return value
    }

    /// The length of the well-formed UTF-8 sequence starting at `index` (a byte ≥ 0x80), or 0
    /// if there is none (Unicode's table 3-7 of well-formed byte sequences).
    private static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let (length, secondRange): (Int, ClosedRange<UInt8>)
        switch lead {
        case 0xC2...0xDF: (length, secondRange) = (2, 0x80...0xBF)
        case 0xE0: (length, secondRange) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, secondRange) = (3, 0x80...0xBF)
        case 0xED: (length, secondRange) = (3, 0x80...0x9F)
        case 0xF0: (length, secondRange) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, secondRange) = (4, 0x80...0xBF)
        case 0xF4: (length, secondRange) = (4, 0x80...0x8F)
        default: return 0
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return 0 }
        for offset in 2..<max(length, 2) where !(0x80...0xBF).contains(bytes[index + offset]) { return 0 }
        return length
    }
}
