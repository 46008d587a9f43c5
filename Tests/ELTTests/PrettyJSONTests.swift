import ELT
import Foundation
import Testing

@Suite("Pretty JSON")
struct PrettyJSONTests {
    @Test("empty arrays and objects print on one line; values with line breaks and brackets are untouched")
    func emptyContainers() throws {
        let value: [String: Any] = ["notes": [], "extra": [String: Any](), "list": [1], "text": "[\n\n]"]
        let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])
        let text = PrettyJSON.collapsingEmptyContainers(String(decoding: data, as: UTF8.self))
        #expect(text.contains("\"notes\" : []"), "\(text)")
        #expect(text.contains("\"extra\" : {}"), "\(text)")
        #expect(text.contains("\"list\" : [\n    1\n  ]"), "\(text)")
        #expect(text.contains(#""text" : "[\n\n]""#), "a string's escaped line breaks stay: \(text)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect((parsed["notes"] as? [Any])?.isEmpty == true && (parsed["extra"] as? [String: Any])?.isEmpty == true)
    }
}
