/// What CDC found about one user of one tenant between the latest table and a new snapshot.
public enum ChangeType: String, Codable, Sendable, CaseIterable {
    /// The user is new.
    case insert = "INSERT"
    /// The user's name or email changed.
    case update = "UPDATE"
    /// The user vanished from the tenant's complete snapshot.
    case delete = "DELETE"
}

/// One row of `users_cdc`: a user's state after the change (before it, for a delete).
public struct UserChange: Codable, Sendable, Equatable, Hashable {
    /// The user's id.
    public var id: String
    /// The provider's id for the user.
    public var externalID: String
    /// The user's name.
    public var name: String
    /// The user's email.
    public var email: String
    /// Insert, update or delete.
    public var changeType: ChangeType

    /// Creates a change.
    public init(id: String, externalID: String, name: String, email: String, changeType: ChangeType) {
        self.id = id
        self.externalID = externalID
        self.name = name
        self.email = email
        self.changeType = changeType
    }

    enum CodingKeys: String, CodingKey {
        case id
        case externalID = "external_id"
        case name, email
        case changeType = "change_type"
    }
}
