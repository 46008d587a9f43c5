import Foundation

/// What a user asks for when connecting an integration (`elt integrations add`,
/// `POST /api/integrations`).
public struct NewIntegration: Sendable, Equatable {
    /// The organization, e.g. `acme`.
    public var organizationID: String
    /// The identity provider, e.g. `okta`.
    public var provider: String
    /// The users API: an http(s) URL with a host.
    public var apiEndpoint: String
    /// The name of the environment variable holding the `Authorization` header, if any.
    public var authHeaderEnv: String?
    /// The permission source name; nil takes the provider's usual one (``IntegrationRegistry/permissionSourceName(for:)``).
    public var permissionSourceName: String?

    /// Creates a request.
    public init(organizationID: String, provider: String, apiEndpoint: String, authHeaderEnv: String? = nil,
                permissionSourceName: String? = nil) {
        self.organizationID = organizationID
        self.provider = provider
        self.apiEndpoint = apiEndpoint
        self.authHeaderEnv = authHeaderEnv
        self.permissionSourceName = permissionSourceName
    }
}

/// What a user changes in an integration's `provider_data` (`elt integrations set`,
/// `PATCH /api/integrations/ID`): nil leaves a field as it is; an empty `authHeaderEnv` stops
/// sending the header.
public struct IntegrationChange: Sendable, Equatable {
    /// A new users API URL.
    public var apiEndpoint: String?
    /// A new environment variable name, or `""` to send no `Authorization` header.
    public var authHeaderEnv: String?
    /// A new permission source name.
    public var permissionSourceName: String?

    /// Creates a change.
    public init(apiEndpoint: String? = nil, authHeaderEnv: String? = nil, permissionSourceName: String? = nil) {
        self.apiEndpoint = apiEndpoint
        self.authHeaderEnv = authHeaderEnv
        self.permissionSourceName = permissionSourceName
    }

    /// Whether the change changes nothing.
    public var isEmpty: Bool { apiEndpoint == nil && authHeaderEnv == nil && permissionSourceName == nil }
}

/// Why ``IntegrationRegistry`` refused a request. Messages name the integration and the URL
/// (without user info, secret-looking query values redacted), never a credential.
public enum IntegrationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A field that must have a value has none, or a value that cannot be used.
    case invalidField(name: String, reason: String)
    /// The endpoint is not an http(s) URL with a host, or carries a credential.
    case invalidEndpoint(endpoint: String, reason: String)
    /// The auth header variable is not an environment variable name (the value is not shown:
    /// it may be the credential itself).
    case invalidVariableName
    /// No integration has this id (or organization/provider).
    case notFound(reference: String)
    /// The organization already has an integration with this provider.
    case exists(id: String, organizationID: String, provider: String)
    /// A change that changes nothing.
    case nothingToChange(id: String)

    public var description: String {
        switch self {
        case let .invalidField(name, reason):
            return "\(name) \(reason)"
        case let .invalidEndpoint(endpoint, reason):
            return "the endpoint '\(endpoint)' is not usable: \(reason) — give the http:// or https:// URL of the users API, such as https://idp.example.com/users"
        case .invalidVariableName:
            return "the auth header variable must be the NAME of an environment variable (letters, digits and _, not starting with a digit, e.g. ELT_OKTA_AUTH), never the credential itself — export ELT_OKTA_AUTH='Bearer <token>' where elt runs and pass --auth-header-env ELT_OKTA_AUTH (in the admin API: \"auth_header_env\": \"ELT_OKTA_AUTH\")"
        case .notFound(let reference):
            return "no connected integration has the id '\(reference)' — list them with: elt integrations list or GET /api/integrations (an integration is named by its id or by ORGANIZATION/PROVIDER)"
        case let .exists(id, organizationID, provider):
            return "organization '\(organizationID)' is already connected to \(provider) (integration \(id)) — change it with: elt integrations set \(id) --endpoint URL (PATCH /api/integrations/\(id)), or remove it first"
        case .nothingToChange(let id):
            return "nothing to change for integration \(id): give a new endpoint, auth header variable or permission source name (--endpoint, --auth-header-env, --permission-source-name; in the admin API api_endpoint, auth_header_env, permission_source_name)"
        }
    }
}

/// Lists, adds, changes and removes connected integrations in a ``DataStore``, checking what a
/// user gives: what `elt integrations` and the admin API's `/api/integrations` share.
public struct IntegrationRegistry: Sendable {
    /// The data store the integrations are in.
    public let store: any DataStore

    /// A registry over `store`.
    public init(store: any DataStore) {
        self.store = store
    }

    /// Every connected integration, by organization, provider and id.
    public func list() async throws -> [ConnectedIntegration] {
        try await store.integrations()
    }

    /// The integration `reference` names: its id, or `ORGANIZATION/PROVIDER`.
    /// - Throws: ``IntegrationError/notFound(reference:)``.
    public func find(_ reference: String) async throws -> ConnectedIntegration {
        let trimmed = reference.trimmingCharacters(in: .whitespaces)
        if let integration = try await store.integration(id: trimmed) { return integration }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
           let integration = try await store.integration(id: ConnectedIntegration.id(organizationID: String(parts[0]), provider: String(parts[1]))) {
            return integration
        }
        throw IntegrationError.notFound(reference: Self.shown(trimmed))
    }

    /// Adds the integration `request` describes (its id derived from organization and provider).
    /// - Throws: ``IntegrationError`` if a field is unusable or the integration exists.
    @discardableResult
    public func add(_ request: NewIntegration) async throws -> ConnectedIntegration {
        let organization = try Self.name(request.organizationID, field: "the organization")
        let provider = try Self.name(request.provider, field: "the provider")
        let endpoint = try Self.endpoint(request.apiEndpoint)
        let variable = try request.authHeaderEnv.flatMap(Self.variable)
        let sourceName = try request.permissionSourceName.map { try Self.text($0, field: "the permission source name") }
            ?? Self.permissionSourceName(for: provider)
        // One integration per organization and provider, whatever the provider's case: `okta`
        // and `Okta` are one identity provider, and two integrations would load its users twice.
        var after: ConnectedIntegration?
        while true {
            let page = try await store.integrations(after: after, limit: 1_000)
            if let same = page.first(where: {
                $0.organizationID == organization && $0.provider != provider && $0.provider.lowercased() == provider.lowercased()
            }) {
                throw IntegrationError.exists(id: same.id, organizationID: organization, provider: same.provider)
            }
            guard page.count == 1_000 else { break }
            after = page.last
        }
        let integration = ConnectedIntegration(
            organizationID: organization, provider: provider,
            providerData: ProviderData(permissionSourceName: sourceName, apiEndpoint: endpoint, authHeaderEnv: variable))
        guard try await store.seedIntegrations([integration]) == 1 else {
            throw IntegrationError.exists(id: integration.id, organizationID: organization, provider: provider)
        }
        return integration
    }

    /// Applies `change` to the `provider_data` of the integration `reference` names.
    /// - Throws: ``IntegrationError`` if it names none, a field is unusable, or nothing changes.
    @discardableResult
    public func update(_ reference: String, _ change: IntegrationChange) async throws -> ConnectedIntegration {
        var integration = try await find(reference)
        guard !change.isEmpty else { throw IntegrationError.nothingToChange(id: integration.id) }
        if let endpoint = change.apiEndpoint { integration.providerData.apiEndpoint = try Self.endpoint(endpoint) }
        if let variable = change.authHeaderEnv { integration.providerData.authHeaderEnv = try Self.variable(variable) }
        if let name = change.permissionSourceName {
            integration.providerData.permissionSourceName = try Self.text(name, field: "the permission source name")
        }
        guard try await store.updateIntegration(integration) else { throw IntegrationError.notFound(reference: integration.id) }
        return integration
    }

    /// Removes the integration `reference` names and returns it; its loaded rows stay.
    /// - Throws: ``IntegrationError/notFound(reference:)``.
    @discardableResult
    public func remove(_ reference: String) async throws -> ConnectedIntegration {
        let integration = try await find(reference)
        guard try await store.removeIntegration(id: integration.id) else { throw IntegrationError.notFound(reference: integration.id) }
        return integration
    }

    // MARK: - Checks

    /// The permission source name of a provider the seed knows (`okta` → `Okta`), else the
    /// provider itself.
    public static func permissionSourceName(for provider: String) -> String {
        ConnectedIntegration.seedProviders.first { $0.provider == provider.lowercased() }?.permissionSourceName ?? provider
    }

    /// `value` trimmed, if it is a usable organization or provider: not empty, at most 200
    /// characters, no `/` (it separates ORGANIZATION/PROVIDER) and no control character.
    static func name(_ value: String, field: String) throws(IntegrationError) -> String {
        let trimmed = try text(value, field: field)
        guard !trimmed.contains("/") else {
            throw .invalidField(name: field, reason: "'\(shown(trimmed))' contains '/', which separates ORGANIZATION/PROVIDER in references; choose a name without it")
        }
        return trimmed
    }

    /// `value` trimmed, if it is not empty, at most 200 characters and without control characters.
    static func text(_ value: String, field: String) throws(IntegrationError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .invalidField(name: field, reason: "is empty; give a value") }
        guard trimmed.count <= 200 else { throw .invalidField(name: field, reason: "is longer than 200 characters") }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidField(name: field, reason: "contains a line break or another control character")
        }
        return trimmed
    }

    /// `value` trimmed, if it is an http(s) URL with a host and no user info.
    static func endpoint(_ value: String) throws(IntegrationError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .invalidField(name: "the endpoint", reason: "is empty; give the http(s) URL of the users API") }
        let checked: HTTPSourceEndpoint
        do {
            checked = try HTTPSourceEndpoint(endpoint: trimmed)
        } catch {
            if case let .invalidEndpoint(shown, reason) = error { throw .invalidEndpoint(endpoint: shown, reason: reason) }
            throw .invalidEndpoint(endpoint: "(not shown)", reason: error.description)
        }
        if checked.components.user != nil || checked.components.password != nil {
            throw .invalidEndpoint(
                endpoint: HTTPSourceEndpoint.redacted(checked.components),
                reason: "it carries a user name or password, which would be stored in clear text; put the Authorization header in an environment variable and name it with --auth-header-env NAME (in the admin API: auth_header_env)")
        }
        return trimmed
    }

    /// `value` trimmed as an environment variable name, or nil if empty (no header).
    static func variable(_ value: String) throws(IntegrationError) -> String? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return nil }
        guard trimmed.count <= 200, let first = trimmed.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic),
              trimmed.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) })
        else { throw .invalidVariableName }
        return trimmed
    }

    /// At most 100 characters of what a user typed, for a message.
    static func shown(_ value: String) -> String {
        value.count <= 100 ? value : value.prefix(100) + "…"
    }
}
