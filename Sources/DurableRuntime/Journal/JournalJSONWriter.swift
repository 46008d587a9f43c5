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
    /// The text so far, appended to in place (no byte buffer to copy from at the end).
    public private(set) var text = ""
    private var needsComma = false

    /// An empty writer.
    public init() {}

    /// Opens an object: its members follow as `key` and value pairs, then ``endObject()``.
    public mutating func beginObject() {
        separate()
        text.append("{")
        needsComma = false
    }

    /// Closes the innermost open object.
    public mutating func endObject() {
        text.append("}")
        needsComma = true
    }

    /// Opens an array: its elements follow, then ``endArray()``.
    public mutating func beginArray() {
        separate()
        text.append("[")
        needsComma = false
    }

    /// Closes the innermost open array.
    public mutating func endArray() {
        text.append("]")
        needsComma = true
    }

    /// Writes a member's key; its value comes next.
    public mutating func key(_ name: String) {
        string(name)
        text.append(":")
        needsComma = false
    }

    /// Writes a string value.
    public mutating func string(_ value: String) {
        separate()
        text.append("\"")
        // Escaped characters are ASCII, so every cut falls on a scalar boundary.
        let utf8 = value.utf8
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex {
            let byte = utf8[index]
            let next = utf8.index(after: index)
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                text.append(contentsOf: value[start..<index])
                escape(byte)
                start = next
            }
            index = next
        }
        if start == utf8.startIndex { text.append(value) } else { text.append(contentsOf: value[start...]) }
        text.append("\"")
        needsComma = true
    }

    /// Writes an integer value.
    public mutating func int(_ value: Int) {
        separate()
        text.append(String(value))
        needsComma = true
    }

    /// Writes `true` or `false`.
    public mutating func bool(_ value: Bool) {
        separate()
        text.append(value ? "true" : "false")
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
        if needsComma { text.append(",") }
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): text.append("\\\"")
        case UInt8(ascii: "\\"): text.append("\\\\")
        case 0x08: text.append("\\b")
        case 0x09: text.append("\\t")
        case 0x0A: text.append("\\n")
        case 0x0C: text.append("\\f")
        case 0x0D: text.append("\\r")
        default:
            let digits = "0123456789abcdef"
            let high = digits[digits.index(digits.startIndex, offsetBy: Int(byte >> 4))]
            let low = digits[digits.index(digits.startIndex, offsetBy: Int(byte & 0x0F))]
            text.append("\\u00")
            text.append(high)
            text.append(low)
        }
    }

    /// What `JSONEncoder` with the journal's settings writes for `value`: the reference a
    /// ``JournalJSONWritable`` conformer's text must equal.
    public static func encoderText(of value: some Encodable) throws -> String {
        try JournalJSON.encodeWithEncoder(value)
    }
}
