/// Where a snapshot ends, and whether it ended *completely*: decided page by page, in page
/// order, across the batches of one extraction (the trail is carried from batch to batch).
///
/// Only a complete snapshot proves that users absent from it are gone, so only a complete one
/// lets CDC infer deletes. The rules, in the order they are checked for each page:
///
/// 1. After the end, every page is ignored: its records are not staged and its failure (say a
///    `404` or a `500` for a page that was prefetched past the end) does not fail the run.
/// 2. A **missing** page (`404`/`410`) right after a short or empty page ends the snapshot,
///    *incompletely* (many APIs answer so past the end, but it proves nothing). Anywhere else
///    (page 0, after a full page) it fails the run.
/// 3. An explicit **`has_more: false`** ends the snapshot completely (the generator always
///    says; the HTTP source says when the object form carries `has_more`).
/// 4. A non-empty page whose records are exactly the previous page's (an API that ignores the
///    page number) ends the snapshot incompletely and is reported.
/// 5. Without `has_more`, **two empty pages in a row** end the snapshot completely — the rule
///    of dlt's page-number paginator (`stop_after_empty_page`), made twice as strict because a
///    single empty page in the middle happens. A short page ends nothing: APIs cap their pages.
///
/// An extraction that runs out of `num_batches` before any end is incomplete too.
public struct PageTrail: Codable, Sendable, Equatable {
    /// How a snapshot ended.
    public enum End: String, Codable, Sendable {
        /// The source said `has_more: false`: complete.
        case declared = "has_more_false"
        /// Two empty pages in a row: complete.
        case emptyPages = "two_empty_pages"
        /// A missing page after a short or empty one: incomplete.
        case missingPage = "missing_page_after_short_page"
        /// A page repeated the previous one: incomplete.
        case repeatedPage = "repeated_page"

        /// Whether the snapshot is proven complete, so absent users are deletes.
        public var isComplete: Bool { self == .declared || self == .emptyPages }
    }

    /// Why a page cannot be taken.
    public enum Refusal: Error, CustomStringConvertible, Equatable {
        /// A missing page where the snapshot cannot have ended.
        case missingPage(page: Int, explanation: String)

        /// What happened and what to check.
        public var description: String {
            switch self {
            case let .missingPage(0, explanation):
                "the first page (page 0) does not exist, so the source has no users there: \(explanation) — check the integration's api_endpoint (elt integrations show ID)"
            case let .missingPage(page, explanation):
                "page \(page) does not exist, but the page before it was full, so the snapshot cannot end there: \(explanation)"
            }
        }
    }

    /// How the snapshot ended, once it has.
    public private(set) var end: End?
    /// The page that ended it.
    public private(set) var endPage: Int?
    /// Empty pages in a row just seen (without `has_more`).
    private var emptyRun = 0
    /// Whether the last page had fewer records than asked for.
    private var lastWasShort = false
    /// The previous non-empty page's digest, to detect a repeat.
    private var lastDigest: String?

    /// A trail before page 0.
    public init() {}

    /// Whether the snapshot has ended.
    public var hasEnded: Bool { end != nil }

    /// Takes the next page in order; returns whether its records belong to the snapshot.
    ///
    /// - Throws: ``Refusal/missingPage(page:explanation:)`` for a missing page that cannot be past the end.
    public mutating func take(page: Int, recordCount: Int, pageSize: Int, hasMore: Bool?, missing: String?,
                              digest: @autoclosure () -> String) throws(Refusal) -> Bool {
        guard end == nil else { return false }
        if let missing {
            guard page > 0, lastWasShort else { throw .missingPage(page: page, explanation: missing) }
            finish(.missingPage, at: page)
            return false
        }
        if recordCount > 0 {
            let current = digest()
            if current == lastDigest {
                finish(.repeatedPage, at: page)
                return false
            }
            lastDigest = current
        }
        lastWasShort = recordCount < pageSize
        if hasMore == false {
            finish(.declared, at: page)
            return true
        }
        if recordCount == 0, hasMore == nil {
            emptyRun += 1
            if emptyRun >= 2 { finish(.emptyPages, at: page) }
        } else {
            emptyRun = 0
        }
        return true
    }

    private mutating func finish(_ how: End, at page: Int) {
        end = how
        endPage = page
    }

    enum CodingKeys: String, CodingKey {
        case end, endPage = "end_page", emptyRun = "empty_run", lastWasShort = "last_was_short", lastDigest = "last_digest"
    }
}
