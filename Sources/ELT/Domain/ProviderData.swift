/// Provider-specific settings of a connected integration, as the source API stores them.
///
/// Encodes with snake_case keys (`permission_source_name`, `api_endpoint`, `snapshot`), the
/// shape of the Python reference's `provider_data` column.
public struct ProviderData: Codable, Sendable, Equatable {
    /// The name under which the provider's permissions are reported, e.g. `Okta`.
    public var permissionSourceName: String
    /// The endpoint users are fetched from, if the provider has one.
    public var apiEndpoint: String?
    /// The source snapshot to read; `nil` means the source's current one.
    public var snapshot: Int?

    /// Creates provider data.
    public init(permissionSourceName: String, apiEndpoint: String? = nil, snapshot: Int? = nil) {
        self.permissionSourceName = permissionSourceName
        self.apiEndpoint = apiEndpoint
        self.snapshot = snapshot
    }

    enum CodingKeys: String, CodingKey {
        case permissionSourceName = "permission_source_name"
        case apiEndpoint = "api_endpoint"
        case snapshot
    }
}
