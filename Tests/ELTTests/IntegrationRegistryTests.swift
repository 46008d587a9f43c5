import DurableTesting
import ELT
import ELTApp
import Foundation
import Testing

/// Managing connected integrations (``IntegrationRegistry``, what `elt integrations` and
/// `/api/integrations` do), on both data stores.
@Suite("Integration registry")
struct IntegrationRegistryTests {
    static let acme = NewIntegration(organizationID: "acme", provider: "okta", apiEndpoint: "https://idp.example.com/users",
                                     authHeaderEnv: "ELT_ACME_AUTH")

    @Test("add stores the integration with its provider_data; list and find return it by id or ORGANIZATION/PROVIDER",
          arguments: JournalKind.available)
    func add(kind: JournalKind) async throws {
        let registry = IntegrationRegistry(store: try await TestDataStores.make(kind))
        let added = try await registry.add(Self.acme)
        #expect(added.id == ConnectedIntegration.id(organizationID: "acme", provider: "okta"))
        #expect(added.providerData == ProviderData(permissionSourceName: "Okta", apiEndpoint: "https://idp.example.com/users",
                                                   authHeaderEnv: "ELT_ACME_AUTH"))
        #expect(try await registry.list() == [added])
        #expect(try await registry.find(added.id) == added)
        #expect(try await registry.find("acme/okta") == added)
        // A provider the seed does not know keeps its own name as permission source name.
        let other = try await registry.add(NewIntegration(organizationID: "acme", provider: "keycloak", apiEndpoint: "http://localhost:8080/u"))
        #expect(other.providerData.permissionSourceName == "keycloak" && other.providerData.authHeaderEnv == nil)
        #expect(try await registry.list().map(\.provider) == ["keycloak", "okta"])
        await registry.store.close()
    }

    @Test("a second integration of the same organization and provider is refused, naming the existing id", arguments: JournalKind.available)
    func duplicate(kind: JournalKind) async throws {
        let registry = IntegrationRegistry(store: try await TestDataStores.make(kind))
        let added = try await registry.add(Self.acme)
        var again = Self.acme
        again.apiEndpoint = "https://other.example.com/users"
        let error = try await #require(throws: IntegrationError.self) { try await registry.add(again) }
        #expect(error == .exists(id: added.id, organizationID: "acme", provider: "okta"))
        #expect(error.description.contains("elt integrations set \(added.id)"), "\(error)")
        #expect(try await registry.list() == [added], "the first one is unchanged")
        // The same provider in another case is the same provider.
        var otherCase = Self.acme
        otherCase.provider = "Okta"
        await #expect(throws: IntegrationError.exists(id: added.id, organizationID: "acme", provider: "okta")) { try await registry.add(otherCase) }
        // Another organization may use either spelling; a '/' is refused for what it is.
        var other = Self.acme
        (other.organizationID, other.provider) = ("globex", "Okta")
        #expect(try await registry.add(other).provider == "Okta")
        var slashed = Self.acme
        slashed.organizationID = "x/y"
        let slash = try await #require(throws: IntegrationError.self) { try await registry.add(slashed) }
        #expect(slash.description.contains("contains '/', which separates ORGANIZATION/PROVIDER"), "\(slash)")
        #expect(try await registry.list().count == 2)
        await registry.store.close()
    }

    @Test("set changes provider_data only, and an empty auth header variable stops sending the header", arguments: JournalKind.available)
    func set(kind: JournalKind) async throws {
        let registry = IntegrationRegistry(store: try await TestDataStores.make(kind))
        let added = try await registry.add(Self.acme)
        let moved = try await registry.update("acme/okta", IntegrationChange(apiEndpoint: "https://idp.example.com/v2/users"))
        #expect(moved.id == added.id && moved.providerData.apiEndpoint == "https://idp.example.com/v2/users")
        #expect(moved.providerData.authHeaderEnv == "ELT_ACME_AUTH")
        let cleared = try await registry.update(added.id, IntegrationChange(authHeaderEnv: "", permissionSourceName: "Okta EU"))
        #expect(cleared.providerData.authHeaderEnv == nil && cleared.providerData.permissionSourceName == "Okta EU")
        #expect(try await registry.find(added.id) == cleared, "the change is stored")
        await #expect(throws: IntegrationError.nothingToChange(id: added.id)) { try await registry.update(added.id, IntegrationChange()) }
        await registry.store.close()
    }

    @Test("remove deletes the integration; an unknown id is refused by set, remove and find", arguments: JournalKind.available)
    func remove(kind: JournalKind) async throws {
        let registry = IntegrationRegistry(store: try await TestDataStores.make(kind))
        let added = try await registry.add(Self.acme)
        #expect(try await registry.remove(added.id) == added)
        #expect(try await registry.list().isEmpty)
        for attempt in [
            { _ = try await registry.remove(added.id) },
            { _ = try await registry.update("acme/okta", IntegrationChange(apiEndpoint: "https://x.example.com")) },
            { _ = try await registry.find("no-such-id") },
        ] as [() async throws -> Void] {
            let error = try await #require(throws: IntegrationError.self) { try await attempt() }
            guard case .notFound = error else { Issue.record("expected notFound, got \(error)"); continue }
            #expect(error.description.contains("elt integrations list"), "\(error)")
        }
        #expect(try await registry.store.removeIntegration(id: added.id) == false)
        #expect(try await registry.store.updateIntegration(added) == false)
        await registry.store.close()
    }

    @Test("an endpoint that is not an http(s) URL with a host, or carries a password, is refused and nothing is stored", arguments: [
        ("ftp://files.example.com/users", "its scheme is 'ftp'"),
        ("idp.example.com/users", "it has no scheme"),
        ("http://", "it has no host"),
        ("", "is empty"),
        ("https://admin:hunter2@idp.example.com/users", "user name or password"),
        ("https://idp.example.com/users?page=2", "its query sets page, which the pipeline sets on every page request"),
    ])
    func badEndpoint(endpoint: String, reason: String) async throws {
        let registry = IntegrationRegistry(store: try await TestDataStores.make(.sqlite))
        var request = Self.acme
        request.apiEndpoint = endpoint
        let error = try await #require(throws: IntegrationError.self) { try await registry.add(request) }
        #expect(error.description.contains(reason), "\(error)")
        #expect(!error.description.contains("hunter2"), "a password is never shown: \(error)")
        #expect(try await registry.list().isEmpty)
        _ = try await registry.add(Self.acme)
        await #expect(throws: IntegrationError.self) { try await registry.update("acme/okta", IntegrationChange(apiEndpoint: endpoint)) }
        #expect(try await registry.find("acme/okta").providerData.apiEndpoint == Self.acme.apiEndpoint)
        await registry.store.close()
    }

    @Test("the auth header variable must be a variable name; a pasted credential is refused without being echoed")
    func badVariable() async throws {
        let registry = IntegrationRegistry(store: try await TestDataStores.make(.sqlite))
        for value in ["Bearer s3cr3t-token", "1ABC", "MY-VAR", "a=b"] {
            var request = Self.acme
            request.authHeaderEnv = value
            let error = try await #require(throws: IntegrationError.self) { try await registry.add(request) }
            #expect(error == .invalidVariableName)
            #expect(!error.description.contains(value), "\(error)")
        }
        for (field, request) in [
            ("the organization", NewIntegration(organizationID: " ", provider: "okta", apiEndpoint: "https://x.example.com")),
            ("the provider", NewIntegration(organizationID: "acme", provider: "ok/ta", apiEndpoint: "https://x.example.com")),
        ] {
            let error = try await #require(throws: IntegrationError.self) { try await registry.add(request) }
            #expect(error.description.hasPrefix(field), "\(error)")
        }
        #expect(try await registry.list().isEmpty)
        await registry.store.close()
    }

    @Test("provider_data keeps auth_header_env as a name; older provider_data without it still decodes")
    func providerDataJSON() throws {
        let data = ProviderData(permissionSourceName: "Okta", apiEndpoint: "https://idp.example.com/users", authHeaderEnv: "ELT_ACME_AUTH")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(decoding: try encoder.encode(data), as: UTF8.self)
            == #"{"api_endpoint":"https://idp.example.com/users","auth_header_env":"ELT_ACME_AUTH","permission_source_name":"Okta"}"#)
        let old = try JSONDecoder().decode(ProviderData.self, from: Data(#"{"permission_source_name":"Okta","api_endpoint":"https://x"}"#.utf8))
        #expect(old.authHeaderEnv == nil && old.apiEndpoint == "https://x")
    }

    @Test("elt run seeds demo integrations only into an empty data database, and only for the generator source")
    func seedsOnlyWhenEmpty() async throws {
        let directory = ELTProcess.temporaryDirectory()
        let configuration = ELTConfiguration(dataPath: directory, integrations: 2, environment: [:])
        let store = try await configuration.makeDataStore()
        #expect(try await ELTRunner(configuration: configuration, source: HTTPUserSource()).seedIfEmpty(store) == 0)
        #expect(try await store.integrations().isEmpty, "the HTTP source never gets example.com tenants")
        let generator = ELTRunner(configuration: configuration)
        #expect(try await generator.seedIfEmpty(store) == 2)
        _ = try await store.removeIntegration(id: ConnectedIntegration.seeded(count: 1)[0].id)
        #expect(try await generator.seedIfEmpty(store) == 0, "a database with any integration is not seeded again")
        #expect(try await store.integrations().map(\.organizationID) == ["org-002"])
        await store.close()
    }
}
