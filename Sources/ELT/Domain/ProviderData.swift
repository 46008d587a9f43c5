/// Provider-specific settings of a connected integration, as the source API stores them.
///
/// Encodes with snake_case keys (`permission_source_name`, `api_endpoint`, `auth_header_env`,
/// `snapshot`), the shape of the Python reference's `provider_data` column plus
/// `auth_header_env`. A key left out (or null) is nil; unknown keys are ignored.
///
/// No credential is ever kept here: `auth_header_env` is the *name* of an environment variable,
/// read by the HTTP source when it fetches a page.
public struct ProviderData: Codable, Sendable, Equatable {
    /// The name under which the provider's permissions are reported, e.g. `Okta`.
    public var permissionSourceName: String
    /// The endpoint users are fetched from, if the provider has one.
    public var apiEndpoint: String?
    /// The name of the environment variable whose value the HTTP source sends as the
    /// `Authorization` header (e.g. `ELT_OKTA_AUTH` holding `Bearer …`); nil sends none.
    public var authHeaderEnv: String?
    /// The source snapshot to read; `nil` means the source's current one.
    public var snapshot: Int?

    /// Creates provider data.
    public init(permissionSourceName: String, apiEndpoint: String? = nil, authHeaderEnv: String? = nil, snapshot: Int? = nil) {
        self.permissionSourceName = permissionSourceName
        self.apiEndpoint = apiEndpoint
        self.authHeaderEnv = authHeaderEnv
        self.snapshot = snapshot
    }

    enum CodingKeys: String, CodingKey {
        case permissionSourceName = "permission_source_name"
        case apiEndpoint = "api_endpoint"
        case authHeaderEnv = "auth_header_env"
        case snapshot
    }
}
