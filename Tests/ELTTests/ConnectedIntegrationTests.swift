import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Testing

@Suite("Connected integrations")
struct ConnectedIntegrationTests {
    @Test("seeded integrations are the same on every call")
    func stable() {
        #expect(ConnectedIntegration.seeded(count: 12) == ConnectedIntegration.seeded(count: 12))
        #expect(Array(ConnectedIntegration.seeded(count: 12).prefix(5)) == ConnectedIntegration.seeded(count: 5))
    }

    @Test("seeded integrations number organizations from org-001 and cycle through the providers")
    func organizationsAndProviders() {
        let integrations = ConnectedIntegration.seeded(count: 5)
        #expect(integrations.map(\.organizationID) == ["org-001", "org-002", "org-003", "org-004", "org-005"])
        #expect(integrations.map(\.provider) == ["okta", "google_workspace", "azure_ad", "slack", "okta"])
        #expect(integrations[0].providerData.permissionSourceName == "Okta")
        #expect(Set(integrations.map(\.id)).count == 5)
    }

    @Test("an integration's id is the lowercased UUIDv5 of '<organization_id>/<provider>' in the project namespace")
    func idIsUUIDv5() throws {
        for integration in ConnectedIntegration.seeded(count: 8) {
            let expected = UUID.v5(namespace: ConnectedIntegration.namespace,
                                   name: "\(integration.organizationID)/\(integration.provider)")
            #expect(integration.id == expected.uuidString.lowercased())
            let parsed = try #require(UUID(uuidString: integration.id))
            #expect(parsed.uuid.6 >> 4 == 5)
        }
        // Pinned, so a change to the namespace or the name format is noticed (value from Python's uuid5).
        #expect(ConnectedIntegration.namespace.uuidString.lowercased() == "dc2807d4-9f1d-5c02-88c5-0a41d9b90e07")
        #expect(ConnectedIntegration.seeded(count: 1)[0].id == "f272ae29-424d-52b0-b1c9-632526711018")
    }

    @Test("provider data encodes with snake_case keys and round-trips")
    func providerDataJSON() throws {
        let integration = ConnectedIntegration.seeded(count: 1)[0]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try #require(String(data: try encoder.encode(integration.providerData), encoding: .utf8))
        #expect(json.contains("\"permission_source_name\":\"Okta\""))
        #expect(json.contains("\"api_endpoint\":"))
        let whole = try #require(String(data: try encoder.encode(integration), encoding: .utf8))
        #expect(whole.contains("\"organization_id\":\"org-001\""))
        #expect(whole.contains("\"provider_data\":{"))
        #expect(try JSONDecoder().decode(ConnectedIntegration.self, from: encoder.encode(integration)) == integration)
    }
}
