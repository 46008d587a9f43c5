import Foundation

/// Checks decoded source records before they are staged, and explains every rejection.
///
/// A record is valid if `id`, `external_id`, `name` and `email` are non-empty strings within
/// their length limits that every target stores exactly (no NUL, no invalid UTF-8, no unpaired
/// surrogate), and the email looks like an address. One bad record never fails its page.
public struct RecordValidator: Sendable {
    /// The longest accepted `name`, in characters.
    public static let maximumNameLength = 200
    /// The longest accepted `email`, in characters (RFC 5321's path limit, rounded up as usual).
    public static let maximumEmailLength = 320
    /// The longest accepted `id` or `external_id`, in characters.
    public static let maximumIDLength = 128
    /// How much of a bad value a reason quotes.
    static let quotedValueLength = 80

    /// Creates a validator.
    public init() {}

    /// Splits a page into valid users and rejected records, each in page order.
    ///
    /// The same id twice in a page is not a rejection: both are staged, and CDC's dedup keeps
    /// the later one (see ``StoreActor/detectChanges(runID:tenant:snapshotComplete:)``).
    public func validate(_ page: [RawSourceRecord]) -> (valid: [SourceUser], rejected: [RejectedRecord]) {
        var valid: [SourceUser] = []
        var rejected: [RejectedRecord] = []
        valid.reserveCapacity(page.count)
        for (position, record) in page.enumerated() {
            let (user, problems) = check(record)
            if let user {
                valid.append(user)
            } else {
                rejected.append(RejectedRecord(
                    position: position, rawJSON: record.rawJSON, reason: problems.joined(separator: "; "), userID: Self.usableID(of: record)))
            }
        }
        return (valid, rejected)
    }

    /// The record's `id` if it can name a user: a non-blank string within the length limit
    /// that every target stores exactly.
    static func usableID(of record: RawSourceRecord) -> String? {
        guard case .string(let id)? = record.field("id"), !isBlank(id), id.utf8.count <= maximumIDLength * 4,
              id.count <= maximumIDLength, unstorableCharacter(in: id) == nil else { return nil }
        return id
    }

    /// Decodes a page body: a JSON array of records, or an object with a `"users"` array.
    public static func decodePage(_ data: Data) throws(SourcePageError) -> [RawSourceRecord] {
        let preview = previewText(data)
        guard !data.isEmpty else { throw .notJSON(detail: "the page is empty", preview: preview) }
        let json: JSONValue
        let repaired = JSONTextRepair.repaired(data)
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: repaired)
        } catch {
            throw .notJSON(detail: syntaxDetail(repaired), preview: preview)
        }
        switch json {
        case .array(let records):
            return records.map(RawSourceRecord.init(json:))
        case .object(let fields):
            if case .array(let records)? = fields["users"] { return records.map(RawSourceRecord.init(json:)) }
            if let users = fields["users"] {
                throw .wrongShape(found: "an object whose \"users\" is \(users.kindDescription)", preview: preview)
            }
            let keys = fields.keys.sorted().prefix(10).joined(separator: ", ")
            throw .wrongShape(found: "an object without a \"users\" key (its keys: \(keys.isEmpty ? "none" : keys))", preview: preview)
        default:
            throw .wrongShape(found: json.kindDescription, preview: preview)
        }
    }

    /// Decodes a page body as ``decodePage(_:)`` does, and also reads the object form's
    /// optional `"has_more"` flag: nil for an array or an object without it.
    ///
    /// A `"has_more"` that is not `true` or `false` makes the page ``SourcePageError/wrongShape(found:preview:)``.
    public static func decodePageWithHasMore(_ data: Data) throws(SourcePageError) -> (records: [RawSourceRecord], hasMore: Bool?) {
        let data = JSONTextRepair.repaired(data)
        let records = try decodePage(data)
        // decodePage accepted the body: it is an array, or an object with a "users" array.
        guard data.first(where: { !Self.jsonWhitespace.contains($0) }) == UInt8(ascii: "{") else { return (records, nil) }
        struct Flag: Decodable {
            let hasMore: JSONValue?
            enum CodingKeys: String, CodingKey { case hasMore = "has_more" }
            init(from decoder: any Decoder) throws {
                // Not decodeIfPresent: that reads `"has_more": null` as absent, and null is wrong.
                let container = try decoder.container(keyedBy: CodingKeys.self)
                hasMore = container.contains(.hasMore) ? try container.decode(JSONValue.self, forKey: .hasMore) : nil
            }
        }
        guard let flag = try? JSONDecoder().decode(Flag.self, from: data), let hasMore = flag.hasMore else {
            return (records, nil)
        }
        guard case .bool(let value) = hasMore else {
            throw .wrongShape(
                found: "an object whose \"has_more\" is \(hasMore.kindDescription) (it must be true or false, or be left out)",
                preview: previewText(data))
        }
        return (records, value)
    }

    /// The bytes JSON allows between tokens.
    private static let jsonWhitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]

    // MARK: - Checks

    /// The user a record describes, or nil and every problem with it.
    private func check(_ record: RawSourceRecord) -> (user: SourceUser?, problems: [String]) {
        guard case .object = record.json else {
            return (nil, ["record is \(record.json.kindDescription), not a JSON object with id, external_id, name and email"])
        }
        var problems: [String] = []
        let id = requiredString("id", in: record, maximumLength: Self.maximumIDLength, problems: &problems)
        let externalID = requiredString("external_id", in: record, maximumLength: Self.maximumIDLength, problems: &problems)
        let name = requiredString("name", in: record, maximumLength: Self.maximumNameLength, problems: &problems)
        let email = requiredString("email", in: record, maximumLength: Self.maximumEmailLength, problems: &problems)
        if let email, let flaw = Self.emailFlaw(email) {
            problems.append("email '\(Self.quoted(email))' is not a valid address (\(flaw))")
        }
        guard problems.isEmpty, let id, let externalID, let name, let email else { return (nil, problems) }
        return (SourceUser(id: id, externalID: externalID, name: name, email: email), [])
    }

    /// The string in `key`, or nil after noting why it is unusable.
    private func requiredString(_ key: String, in record: RawSourceRecord, maximumLength: Int,
                                problems: inout [String]) -> String? {
        switch record.field(key) {
        case nil:
            problems.append("\(key) is missing")
        case .null?:
            problems.append("\(key) is null; it must be a non-empty string")
        case .string(let value)?:
            if Self.isBlank(value) {
                problems.append("\(key) is empty")
            } else if let flaw = Self.unstorableCharacter(in: value) {
                problems.append("\(key) '\(Self.quoted(Self.visible(value)))' \(flaw), so it cannot be stored exactly")
            } else if value.utf8.count > maximumLength, value.count > maximumLength {
                problems.append("\(key) is \(value.count) characters long; the limit is \(maximumLength)")
            } else {
                return value
            }
        case let other?:
            problems.append("\(key) must be a string, not \(other.kindDescription) (\(Self.quoted(RawSourceRecord(json: other).rawJSON)))")
        }
        return nil
    }

    /// Why `value` cannot be stored byte-exact in every target, or nil if it can.
    ///
    /// Postgres `text` cannot hold NUL, and SQLite's C interface cuts a string there. Bytes that
    /// are not UTF-8 and escapes of half a surrogate pair cannot be Swift strings at all:
    /// ``JSONTextRepair`` turns them into the noncharacters U+FFFF and U+FFFE before decoding,
    /// so the record, not the page, is rejected here. One pass over the UTF-8 bytes.
    static func unstorableCharacter(in value: String) -> String? {
        var previous: (UInt8, UInt8) = (0xFF, 0xFF)
        for byte in value.utf8 {
            if byte == 0 { return "contains NUL (\\u0000), which Postgres text cannot hold" }
            // U+FFFF is EF BF BF and U+FFFE is EF BF BE in UTF-8.
            if previous == (0xEF, 0xBF) {
                if byte == 0xBF { return "contains bytes that are not valid UTF-8" }
                if byte == 0xBE { return "contains an unpaired UTF-16 surrogate escape" }
            }
            previous = (previous.1, byte)
        }
        return nil
    }

    /// `value` with NUL and the repair markers shown as escapes, for a reason.
    static func visible(_ value: String) -> String {
        var shown = ""
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0: shown += "\\u0000"
            case 0xFFFF: shown += "\\x??"
            case 0xFFFE: shown += "\\uD8??"
            default: shown.unicodeScalars.append(scalar)
            }
        }
        return shown
    }

    /// Why `email` is not an address, or nil if it looks like one.
    static func emailFlaw(_ email: String) -> String? {
        if Self.containsWhitespace(email) { return "it contains whitespace" }
        let local: Substring, domain: Substring
        if email.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII: one byte per character, so the '@' byte is the '@' character; found without
            // the grapheme breaking (and the array) of a `Character` split.
            let at = UInt8(ascii: "@")
            guard let index = email.utf8.firstIndex(of: at) else { return "it has no '@'" }
            let next = email.utf8.index(after: index)
            if email.utf8[next...].contains(at) { return "it has more than one '@'" }
            (local, domain) = (email[..<index], email[next...])
        } else {
            let parts = email.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2 else { return parts.count == 1 ? "it has no '@'" : "it has more than one '@'" }
            (local, domain) = (parts[0], parts[1])
        }
        if local.isEmpty { return "nothing before '@'" }
        if domain.isEmpty { return "nothing after '@'" }
        let dot = UInt8(ascii: ".")
        guard domain.utf8.contains(dot) else { return "the domain '\(domain)' has no dot" }
        if domain.utf8.first == dot || domain.utf8.last == dot
            || zip(domain.utf8, domain.utf8.dropFirst()).contains(where: { $0 == dot && $1 == dot }) {
            return "the domain '\(domain)' has an empty label"
        }
        return nil
    }

    /// Whether `value` is empty or only whitespace. Scans bytes while they are ASCII (the usual
    /// case, and far cheaper than walking characters), then characters.
    static func isBlank(_ value: String) -> Bool {
        for byte in value.utf8 {
            guard byte < 0x80 else { return value.allSatisfy(\.isWhitespace) }
            if !isASCIIWhitespace(byte) { return false }
        }
        return true
    }

    /// Whether `value` has a whitespace character; ASCII is checked by bytes.
    static func containsWhitespace(_ value: String) -> Bool {
        for byte in value.utf8 {
            guard byte < 0x80 else { return value.contains(where: \.isWhitespace) }
            if isASCIIWhitespace(byte) { return true }
        }
        return false
    }

    /// Space, tab, line feed, vertical tab, form feed, carriage return: the ASCII characters
    /// `Character.isWhitespace` accepts.
    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// `value`, cut to ``quotedValueLength`` characters with an ellipsis.
    static func quoted(_ value: String) -> String {
        value.count <= quotedValueLength ? value : value.prefix(quotedValueLength) + "…"
    }

    /// The first 100 bytes of a page, as text, for an error message.
    static func previewText(_ data: Data) -> String {
        guard !data.isEmpty else { return "(nothing)" }
        let text = String(decoding: data.prefix(100), as: UTF8.self)
        return "'" + text + "'" + (data.count > 100 ? "… (\(data.count) bytes)" : "")
    }

    /// Where the JSON text `data` (already through ``JSONTextRepair``) goes wrong, in words:
    /// `JSONSerialization`'s account of the syntax error ("invalid value around character 0",
    /// "unexpected end of file during JSON parse"). `JSONDecoder` only says that the data was not valid JSON, and for some errors
    /// (a bad escape inside an array) reports a type mismatch of its own attempts instead.
    static func syntaxDetail(_ data: Data) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            if var text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String, !text.isEmpty {
                if text.hasSuffix(".") { text.removeLast() }
                return text.prefix(1).lowercased() + text.dropFirst()
            }
        }
        return "it is not well-formed JSON text"
    }
}
