import Foundation

/// An organization's connection to an identity provider, whose users the pipeline extracts.
///
/// Encodes with snake_case keys (`id`, `organization_id`, `provider`, `provider_data`).
public struct ConnectedIntegration: Codable, Sendable, Equatable {
    /// The integration's id: the lowercased UUIDv5 of `"<organization_id>/<provider>"` in
    /// ``ConnectedIntegration/namespace``, so the same pair always has the same id.
    public var id: String
    /// The organization that connected the provider, e.g. `org-001`.
    public var organizationID: String
    /// The identity provider, e.g. `okta`.
    public var provider: String
    /// Provider-specific settings.
    public var providerData: ProviderData

    /// Creates an integration whose id is derived from the organization and provider.
    public init(organizationID: String, provider: String, providerData: ProviderData) {
        self.id = Self.id(organizationID: organizationID, provider: provider)
        self.organizationID = organizationID
        self.provider = provider
        self.providerData = providerData
    }

    /// The project's namespace for integration ids: UUIDv5(URL, "https://swift-durable-elt/connected_integrations").
    public static let namespace = UUID.v5(namespace: .namespaceURL, name: "https://swift-durable-elt/connected_integrations")

    /// The providers ``seeded(count:)`` cycles through, with their permission source names.
    public static let seedProviders: [(provider: String, permissionSourceName: String)] = [
        ("okta", "Okta"), ("google_workspace", "Google Workspace"), ("azure_ad", "Azure AD"), ("slack", "Slack"),
    ]

    /// The id of the integration of `organizationID` with `provider`.
    public static func id(organizationID: String, provider: String) -> String {
        UUID.v5(namespace: namespace, name: "\(organizationID)/\(provider)").uuidString.lowercased()
    }

    /// `count` stable integrations: organization `org-001`, `org-002`, … each connected to the
    /// next provider of ``seedProviders``. The same count always gives the same integrations.
    public static func seeded(count: Int) -> [ConnectedIntegration] {
        precondition(count >= 0, "seeded(count:) needs a count of zero or more, got \(count)")
        return seeded(range: 0..<count)
    }

    /// The seeded integrations numbered `range` (0 is `org-001`): a slice of ``seeded(count:)``.
    public static func seeded(range: Range<Int>) -> [ConnectedIntegration] {
        range.map { index in
            let organizationID = "org-" + zeroPadded(index + 1, width: 3)
            let (provider, sourceName) = seedProviders[index % seedProviders.count]
            let endpoint = "https://\(provider.replacingOccurrences(of: "_", with: "-")).example.com/\(organizationID)/users"
            return ConnectedIntegration(
                organizationID: organizationID, provider: provider,
                providerData: ProviderData(permissionSourceName: sourceName, apiEndpoint: endpoint))
        }
    }

    enum CodingKeys: String, CodingKey {
        case id
        case organizationID = "organization_id"
        case provider
        case providerData = "provider_data"
    }
}

/// `value` in decimal, left-padded with zeros to `width` digits.
func zeroPadded(_ value: Int, width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
