/// Where a pipeline extracts users from: one tenant's API, read page by page.
///
/// A source returns records as they arrived (``RawSourceRecord``), unchecked: the pipeline
/// validates every record and quarantines the bad ones. A page that cannot be read as records at
/// all (not JSON, wrong shape) is an error of the fetch (``SourcePageError``).
///
/// A source also describes itself (``descriptor``): a run records the descriptor of the source
/// it started with, and a process that resumes the run must provide that same source.
public protocol UserSource: Sendable {
    /// Page `page` (from 0) of at most `pageSize` records of `integration`'s snapshot `snapshot`.
    func fetchPage(integration: ConnectedIntegration, snapshot: Int, page: Int, pageSize: Int) async throws -> SourcePage

    /// What this source is, recorded in each run's input so a resumed run reads the same source.
    /// The default is `custom:<type name>`.
    var descriptor: SourceDescriptor { get }
}

extension UserSource {
    /// `custom:<type name>`: a source only a process configured with the same type provides.
    public var descriptor: SourceDescriptor { SourceDescriptor(kind: "custom:\(String(describing: Self.self))") }
}

/// One page of records from a ``UserSource``, and what the source said about the rest.
///
/// Whether the snapshot ends here is decided by ``PageTrail`` from every page in order; the
/// rules are documented there. In short: only an explicit `hasMore == false` or two empty
/// pages in a row end a snapshot *completely* (so absent users may be deleted); a short page
/// ends nothing.
public struct SourcePage: Sendable, Equatable {
    /// The records, in the source's order.
    public var records: [RawSourceRecord]
    /// What the source declared: `false` if this is its last page, `true` if more follow, nil
    /// if it did not say (a bare JSON array).
    public var hasMore: Bool?
    /// Set when the page does not exist (`404 Not Found` or `410 Gone`): what the source said.
    /// Past the end of a snapshot that is how many APIs answer; anywhere else it is an error.
    public var missing: String?

    /// Creates a page.
    public init(records: [RawSourceRecord], hasMore: Bool?) {
        self.records = records
        self.hasMore = hasMore
        self.missing = nil
    }

    /// A page the source says does not exist, with its explanation.
    public static func missing(_ explanation: String) -> SourcePage {
        var page = SourcePage(records: [], hasMore: nil)
        page.missing = explanation
        return page
    }
}
