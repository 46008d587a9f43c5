/// One tenant of the pipeline: an organization's connected integration. Every row of the data
/// tables carries both ids, and every join matches both.
public struct Tenant: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The organization, e.g. `org-001`.
    public var organizationID: String
    /// The connected integration's id (a UUID).
    public var connectedIntegrationID: String

    /// Creates a tenant.
    public init(organizationID: String, connectedIntegrationID: String) {
        self.organizationID = organizationID
        self.connectedIntegrationID = connectedIntegrationID
    }

    /// `org-001/<integration id>`.
    public var description: String { "\(organizationID)/\(connectedIntegrationID)" }

    enum CodingKeys: String, CodingKey {
        case organizationID = "organization_id"
        case connectedIntegrationID = "connected_integration_id"
    }
}

extension ConnectedIntegration {
    /// The tenant this integration's data belongs to.
    public var tenant: Tenant { Tenant(organizationID: organizationID, connectedIntegrationID: id) }
}
