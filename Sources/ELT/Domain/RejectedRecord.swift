/// A source record the validator refused, with what is wrong with it.
public struct RejectedRecord: Codable, Sendable, Equatable {
    /// The record's position (from 0) in its page.
    public var position: Int
    /// The record as compact JSON.
    public var rawJSON: String
    /// Every problem found, joined by "; ", e.g. `email 'bob@' is not a valid address (nothing after '@')`.
    public var reason: String
    /// The user the record is about, when its `id` is a usable string: such a user is present
    /// in the snapshot (kept with its last good row), not absent. Nil when the id itself is
    /// missing or unusable, so the record could be anyone.
    public var userID: String?

    /// Creates a rejection.
    public init(position: Int = 0, rawJSON: String, reason: String, userID: String? = nil) {
        self.position = position
        self.rawJSON = rawJSON
        self.reason = reason
        self.userID = userID
    }

    enum CodingKeys: String, CodingKey {
        case position
        case rawJSON = "raw_json"
        case reason
        case userID = "user_id"
    }
}
