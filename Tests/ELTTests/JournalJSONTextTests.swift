import DurableRuntime
@testable import ELT
import Foundation
import Testing

/// The pipeline's bulk checkpoint, a fetched page, writes its own journal JSON: it must be the
/// text `JSONEncoder` writes (the journal compares a retried commit's outcome by its text, and
/// journals written before keep decoding).
@Suite("Journal JSON of fetched pages")
struct JournalJSONTextTests {
    static let pages: [FetchedPage] = {
        let generated = UserGenerator(integrationID: "1b671a64-40d5-491e-99b0-da01ff1f3341", organizationID: "org-001")
            .page(snapshot: 0, page: 3, pageSize: 10)
        let odd = SourceUser(id: "id \"quoted\" \\ /slash\u{1}", externalID: "ext-\u{0}\u{1F}\n\t", name: "Zoë 😀\u{2028}",
                             email: "a@b.example")
        return [
            FetchedPage(page: 3, users: generated, rejected: [], hasMore: nil),
            FetchedPage(page: 0, users: [], rejected: [], hasMore: true),
            FetchedPage(page: 7, users: [odd], rejected: [
                QuarantinedRecord(page: 7, position: 1, rawJSON: #"{"id":"x","email":"not an address\n"}"#,
                                  reason: "email: not an address", userID: "x"),
                QuarantinedRecord(page: 7, position: 2, rawJSON: "{\"name\":\"\u{FFFF}\"}", reason: "id: missing", userID: nil),
            ], hasMore: false),
            FetchedPage(page: 12, users: [], rejected: [], hasMore: nil, missing: "404 Not Found"),
        ]
    }()

    @Test("a fetched page's journal text is JSONEncoder's, byte for byte, and decodes back", arguments: pages)
    func pageText(page: FetchedPage) throws {
        var writer = JournalJSONWriter()
        page.write(to: &writer)
        #expect(writer.text == (try JournalJSONWriter.encoderText(of: page)))
        #expect(try JSONDecoder().decode(FetchedPage.self, from: Data(writer.text.utf8)) == page)
    }
}
