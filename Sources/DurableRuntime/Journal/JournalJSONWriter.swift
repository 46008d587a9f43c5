/// A value that writes its own journal JSON, for the values a workflow checkpoints in bulk (a
/// fetched page of records), where `JSONEncoder`'s generic machinery is the cost.
///
/// The text must be exactly what `JSONEncoder` writes with the journal's settings: keys in
/// sorted order (Swift's `String` order, as `.sortedKeys` sorts them), a `nil` optional left
/// out, `/` not escaped. The journal compares a retried commit's outcome by its text, so a
/// conformer's tests compare its text with `JSONEncoder`'s byte for byte
/// (``JournalJSONWriter/encoderText(of:)`` gives the reference). Decoding is unchanged:
/// `Decodable`.
public protocol JournalJSONWritable: Encodable {
    /// Writes the value as one JSON value.
    func write(to json: inout JournalJSONWriter)
}

/// Writes JSON text as `JSONEncoder` does with the journal's settings (compact; strings
/// escaped as it escapes them: `"`, `\`, `\b`, `\t`, `\n`, `\f`, `\r`, other controls as
/// `\u00xx`, nothing else). The caller writes keys in sorted order; the writer places the
/// commas and colons.
public struct JournalJSONWriter: Sendable {
    private var bytes: [UInt8] = []
    private var needsComma = false

    /// An empty writer.
    public init() {
        bytes.reserveCapacity(1024)
    }

    /// The text written so far.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Opens an object: its members follow as `key` and value pairs, then ``endObject()``.
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Closes the innermost open object.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Opens an array: its elements follow, then ``endArray()``.
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Closes the innermost open array.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes a member's key; its value comes next.
    public mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a string value.
    public mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                escape(byte)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// Writes an integer value.
    public mutating func int(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// Writes `true` or `false`.
    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    /// Writes a member whose value is a string, or nothing when it is nil (as the synthesized
    /// `encodeIfPresent` leaves a nil optional out).
    public mutating func member(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    /// Writes a member whose value is an integer, or nothing when it is nil.
    public mutating func member(_ name: String, _ value: Int?) {
        guard let value else { return }
        key(name)
        int(value)
    }

    /// Writes a member whose value is a Boolean, or nothing when it is nil.
    public mutating func member(_ name: String, _ value: Bool?) {
        guard let value else { return }
        key(name)
        bool(value)
    }

    /// Writes a member whose value is an array of values that write themselves.
    public mutating func member(_ name: String, _ values: [some JournalJSONWritable]) {
        key(name)
        beginArray()
        for value in values { value.write(to: &self) }
        endArray()
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        default:
            let digits = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                      digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }
    }

    /// What `JSONEncoder` with the journal's settings writes for `value`: the reference a
    /// ``JournalJSONWritable`` conformer's text must equal.
    public static func encoderText(of value: some Encodable) throws -> String {
        try JournalJSON.encodeWithEncoder(value)
    }
}
