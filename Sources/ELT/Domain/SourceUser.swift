import DurableRuntime

/// A user as the source API returns it, and as the pipeline stages it.
///
/// JSON keys: `id`, `external_id`, `name`, `email`.
public struct SourceUser: Codable, Sendable, Equatable, Hashable {
    /// The stable user id (a UUIDv5 of the integration id and the external id).
    public var id: String
    /// The provider's own id for the user, e.g. `ext-000123`.
    public var externalID: String
    /// The user's display name.
    public var name: String
    /// The user's email address.
    public var email: String

    /// Creates a user.
    public init(id: String, externalID: String, name: String, email: String) {
        self.id = id
        self.externalID = externalID
        self.name = name
        self.email = email
    }

    enum CodingKeys: String, CodingKey {
        case id
        case externalID = "external_id"
        case name
        case email
    }
}

extension SourceUser: JournalJSONWritable {
    public func write(to json: inout JournalJSONWriter) {
        json.beginObject()
        json.member("email", email)
        json.member("external_id", externalID)
        json.member("id", id)
        json.member("name", name)
        json.endObject()
    }
}
