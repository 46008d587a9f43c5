/// Where a pipeline extracts users from: one tenant's API, read page by page.
///
/// A source returns records as they arrived (``RawSourceRecord``), unchecked: the pipeline
/// validates every record and quarantines the bad ones. A page that cannot be read as records at
/// all (not JSON, wrong shape) is an error of the fetch (``SourcePageError``).
public protocol UserSource: Sendable {
    /// Page `page` (from 0) of at most `pageSize` records of `integration`'s snapshot `snapshot`.
    func fetchPage(integration: ConnectedIntegration, snapshot: Int, page: Int, pageSize: Int) async throws -> SourcePage
}

/// One page of records from a ``UserSource``.
public struct SourcePage: Sendable, Equatable {
    /// The records, in the source's order.
    public var records: [RawSourceRecord]
    /// Whether the source has records after this page. A page with `hasMore == false` ends the
    /// snapshot, which is then complete: users absent from it were deleted.
    public var hasMore: Bool

    /// Creates a page.
    public init(records: [RawSourceRecord], hasMore: Bool) {
        self.records = records
        self.hasMore = hasMore
    }
}
