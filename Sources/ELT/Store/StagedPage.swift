/// The valid users of one source page, as staged: each keyed by the page number and its
/// position among them, so every occurrence of a user in a snapshot is its own staging row.
public struct StagedPage: Sendable, Equatable {
    /// The page number in the snapshot, from 0.
    public var page: Int
    /// The page's valid users, in page order.
    public var users: [SourceUser]

    /// Creates a staged page.
    public init(page: Int, users: [SourceUser]) {
        self.page = page
        self.users = users
    }
}
