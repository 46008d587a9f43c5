@testable import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Testing

@Suite("Record validator")
struct RecordValidatorTests {
    static let good = #"{"id":"u-1","external_id":"ext-000001","name":"Ada Lovelace","email":"ada.lovelace1@org-001.example.com"}"#

    /// Validates a page given as JSON text.
    static func validate(_ json: String) throws -> (valid: [SourceUser], rejected: [RejectedRecord]) {
        RecordValidator().validate(try RecordValidator.decodePage(Data(json.utf8)))
    }

    @Test("a good record is kept as a SourceUser")
    func keepsGoodRecords() throws {
        let result = try Self.validate("[\(Self.good)]")
        #expect(result.rejected.isEmpty)
        #expect(result.valid == [SourceUser(id: "u-1", externalID: "ext-000001", name: "Ada Lovelace", email: "ada.lovelace1@org-001.example.com")])
    }

    @Test("each bad record is rejected with a reason a person can act on, and the good ones are kept", arguments: [
        (#"{"external_id":"e","name":"N","email":"a@b.co"}"#, "id is missing"),
        (#"{"id":null,"external_id":"e","name":"N","email":"a@b.co"}"#, "id is null"),
        (#"{"id":"x1","external_id":123,"name":"N","email":"a@b.co"}"#, "external_id must be a string, not a number (123)"),
        (#"{"id":"x1","external_id":true,"name":"N","email":"a@b.co"}"#, "external_id must be a string, not a boolean"),
        (#"{"id":"x1","external_id":"e","name":["N"],"email":"a@b.co"}"#, "name must be a string, not an array"),
        (#"{"id":"x1","external_id":"e","name":"   ","email":"a@b.co"}"#, "name is empty"),
        (#"{"id":"x1","external_id":"e","name":"N","email":""}"#, "email is empty"),
        (#"{"id":"x1","external_id":"e","name":"N","email":"bob@"}"#, "email 'bob@' is not a valid address (nothing after '@')"),
        (#"{"id":"x1","external_id":"e","name":"N","email":"@b.co"}"#, "email '@b.co' is not a valid address (nothing before '@')"),
        (#"{"id":"x1","external_id":"e","name":"N","email":"bob.example.com"}"#, "(it has no '@')"),
        (#"{"id":"x1","external_id":"e","name":"N","email":"a@b@c.co"}"#, "(it has more than one '@')"),
        (#"{"id":"x1","external_id":"e","name":"N","email":"bob@localhost"}"#, "the domain 'localhost' has no dot"),
        (#"{"id":"x1","external_id":"e","name":"N","email":"bob smith@b.co"}"#, "(it contains whitespace)"),
        ("{\"id\":\"x1\",\"external_id\":\"e\",\"name\":\"\(String(repeating: "n", count: 201))\",\"email\":\"a@b.co\"}", "name is 201 characters long; the limit is 200"),
        ("{\"id\":\"x1\",\"external_id\":\"e\",\"name\":\"N\",\"email\":\"\(String(repeating: "a", count: 316))@b.co\"}", "email is 321 characters long; the limit is 320"),
        ("{\"id\":\"\(String(repeating: "i", count: 129))\",\"external_id\":\"e\",\"name\":\"N\",\"email\":\"a@b.co\"}", "id is 129 characters long; the limit is 128"),
        (#""just a string""#, "record is a string, not a JSON object"),
        // Non-ASCII whitespace counts as whitespace, as ASCII does.
        ("{\"id\":\"x1\",\"external_id\":\"e\",\"name\":\" \u{00A0}\u{3000}\\t\",\"email\":\"a@b.co\"}", "name is empty"),
        ("{\"id\":\"x1\",\"external_id\":\"e\",\"name\":\"N\",\"email\":\"bo\u{00A0}b@b.co\"}", "(it contains whitespace)"),
        (#"{"id":"x1","external_id":"e","name":"N","email":"bob\tx@b.co"}"#, "(it contains whitespace)"),
        (#"{"id":"x1","external_id":"e","name":"N","email":"bob@b..co"}"#, "the domain 'b..co' has an empty label"),
        (#"{"id":"x1","external_id":"e","name":"N","email":"bob@.b.co"}"#, "the domain '.b.co' has an empty label"),
        (#"{"id":"x1","external_id":"e","name":"N","email":"bob@b.co."}"#, "the domain 'b.co.' has an empty label"),
        ("{\"id\":\"x1\",\"external_id\":\"e\",\"name\":\"\(String(repeating: "é", count: 201))\",\"email\":\"a@b.co\"}", "name is 201 characters long; the limit is 200"),
    ])
    func rejectsBadRecords(record: String, reason: String) throws {
        let result = try Self.validate("[\(Self.good), \(record)]")
        #expect(result.valid.map(\.id) == ["u-1"])
        try #require(result.rejected.count == 1)
        #expect(result.rejected[0].reason.contains(reason), "reason was: \(result.rejected[0].reason)")
    }

    @Test("limits count characters, not bytes: 200 two-byte characters are a valid name")
    func limitsCountCharacters() throws {
        let record = "{\"id\":\"x1\",\"external_id\":\"e\",\"name\":\"\(String(repeating: "é", count: 200))\",\"email\":\"a@b.co\"}"
        let result = try Self.validate("[\(record)]")
        #expect(result.rejected.isEmpty, "\(result.rejected)")
        #expect(result.valid.count == 1)
    }

    @Test("a limit itself is accepted: 320-character email, 200-character name, 128-character id")
    func limitsAreInclusive() throws {
        let record = "{\"id\":\"\(String(repeating: "i", count: 128))\",\"external_id\":\"e\",\"name\":\"\(String(repeating: "n", count: 200))\",\"email\":\"\(String(repeating: "a", count: 314))@b.com\"}"
        let result = try Self.validate("[\(record)]")
        #expect(result.rejected.isEmpty, "\(result.rejected)")
    }

    @Test("every problem of a record is reported, and its raw JSON kept")
    func allProblems() throws {
        let result = try Self.validate(#"[{"id":"x1","external_id":7,"email":"bob@"}]"#)
        let rejected = try #require(result.rejected.first)
        #expect(rejected.reason == "external_id must be a string, not a number (7); name is missing; email 'bob@' is not a valid address (nothing after '@')")
        #expect(rejected.rawJSON == #"{"email":"bob@","external_id":7,"id":"x1"}"#)
    }

    @Test("a repeated id in one page is not a rejection: both occurrences are kept for CDC's dedup")
    func duplicateIDsAreKept() throws {
        let second = #"{"id":"u-1","external_id":"ext-000002","name":"Alan Turing","email":"alan@b.co"}"#
        let result = try Self.validate("[\(Self.good), \(second), \(second)]")
        #expect(result.valid.map(\.externalID) == ["ext-000001", "ext-000002", "ext-000002"])
        #expect(result.rejected.isEmpty)
    }

    // MARK: - Values that cannot be stored exactly

    /// A page of three records, the middle one's `name` being the raw JSON bytes `nameBytes` (already quoted).
    static func page(nameBytes: [UInt8], id: String = "u-9") -> Data {
        var bytes: [UInt8] = Array(#"[{"id":"u-1","external_id":"e1","name":"Ann","email":"a@b.co"},{"id":""#.utf8)
        bytes += Array(id.utf8)
        bytes += Array(#"","external_id":"e9","name":"#.utf8)
        bytes += nameBytes
        bytes += Array(#","email":"x@b.co"},{"id":"u-2","external_id":"e2","name":"Bo","email":"b@b.co"}]"#.utf8)
        return Data(bytes)
    }

    /// `prefix`, the raw bytes `middle`, then `suffix`.
    static func bytes(_ prefix: String, _ middle: [UInt8], _ suffix: String) -> [UInt8] {
        Array(prefix.utf8) + middle + Array(suffix.utf8)
    }

    static let unstorable: [([UInt8], String)] = [
        (Array(#""Ann\u0000Lee""#.utf8), "contains NUL"),
        (bytes(#""Ann"#, [0xFF], #"Lee""#), "not valid UTF-8"),
        (bytes(#""Ann"#, [0xC3], #"Lee""#), "not valid UTF-8"),                 // a cut two-byte sequence
        (bytes(#""Ann"#, [0xED, 0xA0, 0x80], #"Lee""#), "not valid UTF-8"),     // a UTF-8-encoded surrogate
        (Array(#""Ann\ud800Lee""#.utf8), "unpaired UTF-16 surrogate"),
        (Array(#""Ann\udc00""#.utf8), "unpaired UTF-16 surrogate"),
        (Array(#""Ann\ud800\u0041""#.utf8), "unpaired UTF-16 surrogate"),
    ]

    @Test("text no target stores exactly quarantines that record only, with its reason and its id; the page's other records are kept",
          arguments: unstorable)
    func unstorableText(nameBytes: [UInt8], reason: String) throws {
        let records = try RecordValidator.decodePage(Self.page(nameBytes: nameBytes))
        let result = RecordValidator().validate(records)
        #expect(result.valid.map(\.id) == ["u-1", "u-2"])
        let rejected = try #require(result.rejected.first)
        #expect(result.rejected.count == 1)
        #expect(rejected.reason.contains(reason), "reason: \(rejected.reason)")
        #expect(rejected.reason.contains("cannot be stored exactly"))
        #expect(rejected.userID == "u-9", "the record names its user, who is present in the snapshot")
    }

    @Test("text that is exact survives unchanged: a surrogate pair, non-ASCII, control characters other than NUL")
    func exactTextKept() throws {
        let records = try RecordValidator.decodePage(Self.page(nameBytes: Array(#""Zoë 😀 \ud83d\ude00 tab\tend""#.utf8)))
        let result = RecordValidator().validate(records)
        #expect(result.rejected.isEmpty)
        #expect(result.valid.count == 3)
        #expect(result.valid[1].name == "Zoë 😀 😀 tab\tend")
    }

    @Test("a record whose id cannot name a user is quarantined without an id", arguments: [
        #"{"id":7,"external_id":"e","name":"N","email":"a@b.co"}"#,
        #"{"external_id":"e","name":"N","email":"a@b.co"}"#,
        #"{"id":"a\u0000b","external_id":"e","name":"N","email":"a@b.co"}"#,
        #"[1,2]"#,
    ])
    func anonymousRejection(record: String) throws {
        let result = try Self.validate("[\(record)]")
        #expect(result.rejected.count == 1)
        #expect(result.rejected.first?.userID == nil)
    }

    @Test("a malformed email keeps its id, so its user stays present")
    func rejectionKeepsID() throws {
        let result = try Self.validate(#"[{"id":"u-1","external_id":"e","name":"N","email":"bob(at)b.co"}]"#)
        #expect(result.rejected.first?.userID == "u-1")
    }

    @Test("a page may be a top-level array or an object with a users array")
    func pageShapes() throws {
        #expect(try RecordValidator.decodePage(Data("[\(Self.good)]".utf8)).count == 1)
        #expect(try RecordValidator.decodePage(Data(#"{"users":[\#(Self.good)],"next_page":2}"#.utf8)).count == 1)
        #expect(try RecordValidator.decodePage(Data("[]".utf8)).isEmpty)
    }

    @Test("a malformed page throws an error that says what is wrong and shows its start", arguments: [
        ("<html><body>502 Bad Gateway</body></html>", "source page is not JSON", "'<html><body>502 Bad Gateway"),
        ("", "the page is empty", "(nothing)"),
        (#"{"data":[]}"#, #"an object without a "users" key (its keys: data)"#, #"'{"data":[]}'"#),
        (#"{"users":{"id":1}}"#, #"an object whose "users" is an object"#, "starts with"),
        ("42", "source page is a number", "'42'"),
        ("[{\"id\":1},", "source page is not JSON", "'[{\"id\":1},'"),
    ])
    func malformedPages(body: String, problem: String, preview: String) {
        #expect {
            try RecordValidator.decodePage(Data(body.utf8))
        } throws: { error in
            let message = (error as? SourcePageError)?.description ?? ""
            return message.contains(problem) && message.contains(preview)
        }
    }

    @Test("a page that is not JSON is described by where its syntax fails, never by the decoder's own words", arguments: [
        ("<html>", "invalid value around character 0"),
        ("{", "unexpected end of file"),
        ("[1,", "unexpected end of file"),
        ("[1] x", "invalid value around character 4"),
        (#"["\q"]"#, "invalid escape sequence around character 2"),
        (#"{"a" 1}"#, "invalid value around character 5"),
    ])
    func notJSONDetail(body: String, detail: String) {
        do {
            _ = try RecordValidator.decodePage(Data(body.utf8))
            Issue.record("expected a SourcePageError for \(body)")
        } catch {
            #expect(error.description.contains("source page is not JSON (\(detail)"), "\(error.description)")
            for framework in ["The given data", "DecodingError", "Dictionary<", "Debug description"] {
                #expect(!error.description.contains(framework), "\(error.description)")
            }
        }
    }

    @Test("the preview of a long malformed page is its first 100 bytes")
    func previewIsTruncated() throws {
        let body = "not json " + String(repeating: "x", count: 500)
        do {
            _ = try RecordValidator.decodePage(Data(body.utf8))
            Issue.record("expected a SourcePageError")
        } catch {
            #expect(error.description.contains("'" + body.prefix(100) + "'… (509 bytes)"))
        }
    }

    /// The verdict of the `Character`-split rule the ASCII fast path must agree with.
    static func characterRule(_ email: String) -> String {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return parts.count == 1 ? "no @" : "many @" }
        if parts[0].isEmpty { return "empty local" }
        if parts[1].isEmpty { return "empty domain" }
        if !parts[1].contains(".") { return "no dot" }
        if parts[1].hasPrefix(".") || parts[1].hasSuffix(".") || parts[1].contains("..") { return "empty label" }
        return "ok"
    }

    @Test("an email is judged the same whether its '@' is found by bytes (ASCII) or by characters", arguments: [
        "a@b.c", "ada.lovelace1@org-001.example.com", "@b.c", "a@", "@", "a@@b.c", "a@b@c.d", "a@b", "a@.b", "a@b..c",
        "a@b.", "ab.c", "", "é@b.c", "a@b\u{301}.c", "a@\u{301}b.c", "a\u{301}@b.c", "ü@ü.de", "a@b.c\u{7F}",
    ])
    func emailSplit(email: String) {
        let flaw = RecordValidator.emailFlaw(email)
        let expected = Self.characterRule(email)
        switch expected {
        case "ok": #expect(flaw == nil)
        case "no @": #expect(flaw == "it has no '@'")
        case "many @": #expect(flaw == "it has more than one '@'")
        case "empty local": #expect(flaw == "nothing before '@'")
        case "empty domain": #expect(flaw == "nothing after '@'")
        case "no dot": #expect(flaw?.hasSuffix("has no dot") == true)
        default: #expect(flaw?.hasSuffix("has an empty label") == true)
        }
    }
}
