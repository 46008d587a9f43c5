import DurableRuntime
import Foundation
import Testing

/// A value with every shape the writer has: nested objects and arrays, optionals present and
/// absent, integers, Booleans and strings.
struct JournalJSONSample: Codable, Equatable, JournalJSONWritable {
    struct Item: Codable, Equatable, JournalJSONWritable {
        var label: String
        var note: String?
        func write(to json: inout JournalJSONWriter) {
            json.beginObject()
            json.member("label", label)
            json.member("note", note)
            json.endObject()
        }
    }
    var count: Int
    var empty: [Item]
    var flag: Bool?
    var items: [Item]
    var text: String
    var zip: String?

    func write(to json: inout JournalJSONWriter) {
        json.beginObject()
        json.member("count", count)
        json.member("empty", empty)
        json.member("flag", flag)
        json.member("items", items)
        json.member("text", text)
        json.member("zip", zip)
        json.endObject()
    }

    var written: String {
        var writer = JournalJSONWriter()
        write(to: &writer)
        return writer.text
    }
}

@Suite("Journal JSON writer")
struct JournalJSONWriterTests {
    /// Every ASCII character, alone and between others, and characters past ASCII that an
    /// encoder might escape (DEL, NBSP, the line and paragraph separators, BOM, U+FFFF, emoji).
    static let strings: [String] = (0..<0x80).map { String(UnicodeScalar(UInt8($0))) }
        + (0..<0x80).map { "a" + String(UnicodeScalar(UInt8($0))) + "b" }
        + ["", "plain", "a/b", "\u{7F}", "\u{A0}", "\u{2028}\u{2029}", "\u{FEFF}", "\u{FFFF}", "😀 ü ñ", #"{"raw":"json \"quoted\""}"#,
           "\u{1}\u{301}", "e\u{301}\n\u{301}", "\"\u{301}", "\u{1F1FA}\u{1F1F8}\t\u{1F1EC}"]

    @Test("strings are escaped exactly as JSONEncoder escapes them", arguments: strings)
    func escaping(text: String) throws {
        let sample = JournalJSONSample(count: 1, empty: [], flag: nil, items: [.init(label: text, note: text)], text: text, zip: nil)
        #expect(sample.written == (try JournalJSONWriter.encoderText(of: sample)))
    }

    @Test("objects, arrays, nil and present optionals, integers and Booleans match JSONEncoder", arguments: [
        JournalJSONSample(count: 0, empty: [], flag: nil, items: [], text: "", zip: nil),
        JournalJSONSample(count: -42, empty: [], flag: true, items: [.init(label: "x", note: nil)], text: "t", zip: "z"),
        JournalJSONSample(count: Int.max, empty: [], flag: false,
               items: [.init(label: "a", note: "n"), .init(label: "b", note: nil), .init(label: "c", note: "")],
               text: "many", zip: nil),
        JournalJSONSample(count: Int.min, empty: [], flag: nil, items: [], text: "min", zip: ""),
    ])
    func shapes(sample: JournalJSONSample) throws {
        let text = sample.written
        #expect(text == (try JournalJSONWriter.encoderText(of: sample)))
        #expect(try JSONDecoder().decode(JournalJSONSample.self, from: Data(text.utf8)) == sample)
    }
}
