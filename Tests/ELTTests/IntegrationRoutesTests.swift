import DurableTesting
import ELT
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ELTServer

/// `/api/integrations` in-process, on both data stores: what `elt integrations` does.
@Suite("Integration routes")
struct IntegrationRoutesTests {
    static let acme = #"{"organization_id": "acme", "provider": "okta", "api_endpoint": "https://idp.example.com/users", "auth_header_env": "ELT_ACME_AUTH"}"#

    func harness(_ kind: JournalKind) async throws -> AdminAPIHarness {
        var harness = try AdminAPIHarness(kind)
        harness.dataStore = try await TestDataStores.make(kind)
        return harness
    }

    @Test("POST adds (201), GET lists and reads by id or ORGANIZATION%2FPROVIDER, PATCH changes, DELETE removes",
          arguments: JournalKind.available)
    func lifecycle(kind: JournalKind) async throws {
        let harness = try await harness(kind)
        let id = ConnectedIntegration.id(organizationID: "acme", provider: "okta")
        try await harness.withAdminAPI { _, client in
            let empty = try await client.execute(uri: "/api/integrations", method: .get)
            #expect(empty.status == .ok)
            #expect(try (jsonObject(empty)["integrations"] as? [Any])?.isEmpty == true)

            let added = try await client.execute(uri: "/api/integrations", method: .post, body: ByteBuffer(string: Self.acme))
            #expect(added.status == .created, "\(String(buffer: added.body))")
            let object = try jsonObject(added)
            #expect(object["id"] as? String == id)
            let data = try #require(object["provider_data"] as? [String: Any])
            #expect(data["api_endpoint"] as? String == "https://idp.example.com/users")
            #expect(data["auth_header_env"] as? String == "ELT_ACME_AUTH")
            #expect(data["permission_source_name"] as? String == "Okta")

            let list = try await client.execute(uri: "/api/integrations", method: .get)
            #expect((try jsonObject(list)["integrations"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            let byName = try await client.execute(uri: "/api/integrations/\(pathEncoded("acme/okta"))", method: .get)
            #expect(byName.status == .ok)
            #expect(try jsonObject(byName)["id"] as? String == id)

            let changed = try await client.execute(
                uri: "/api/integrations/\(id)", method: .patch,
                body: ByteBuffer(string: #"{"api_endpoint": "https://idp.example.com/v2/users", "auth_header_env": ""}"#))
            #expect(changed.status == .ok, "\(String(buffer: changed.body))")
            let changedData = try #require(try jsonObject(changed)["provider_data"] as? [String: Any])
            #expect(changedData["api_endpoint"] as? String == "https://idp.example.com/v2/users")
            #expect(changedData["auth_header_env"] == nil, "an empty auth_header_env stops sending the header")

            let removed = try await client.execute(uri: "/api/integrations/\(id)", method: .delete)
            #expect(removed.status == .ok)
            #expect(try jsonObject(removed)["id"] as? String == id)
            let after = try await client.execute(uri: "/api/integrations", method: .get)
            #expect((try jsonObject(after)["integrations"] as? [Any])?.isEmpty == true)
        }
        #expect(try await harness.dataStore?.integrations().isEmpty == true)
        await harness.dataStore?.close()
    }

    @Test("refusals: a bad endpoint or variable is 400, a duplicate 409, an unknown id 404, each saying what to do",
          arguments: JournalKind.available)
    func refusals(kind: JournalKind) async throws {
        let harness = try await harness(kind)
        try await harness.withAdminAPI { _, client in
            let ftp = try await client.execute(
                uri: "/api/integrations", method: .post,
                body: ByteBuffer(string: #"{"organization_id": "acme", "provider": "okta", "api_endpoint": "ftp://idp.example.com/users"}"#))
            #expect(ftp.status == .badRequest)
            #expect(try errorDetail(ftp).message.contains("its scheme is 'ftp'"), "\(String(buffer: ftp.body))")

            let credential = try await client.execute(
                uri: "/api/integrations", method: .post,
                body: ByteBuffer(string: #"{"organization_id": "acme", "provider": "okta", "api_endpoint": "https://idp.example.com", "auth_header_env": "Bearer abc123"}"#))
            #expect(credential.status == .badRequest)
            #expect(try errorDetail(credential).message.contains("NAME of an environment variable"))
            #expect(!String(buffer: credential.body).contains("abc123"), "the credential is never echoed")

            let malformed = try await client.execute(uri: "/api/integrations", method: .post, body: ByteBuffer(string: #"{"provider": "okta"}"#))
            #expect(malformed.status == .badRequest)
            #expect(try errorDetail(malformed).message.contains("organization_id"), "the message shows the expected JSON")

            #expect(try await client.execute(uri: "/api/integrations", method: .post, body: ByteBuffer(string: Self.acme)).status == .created)
            let duplicate = try await client.execute(uri: "/api/integrations", method: .post, body: ByteBuffer(string: Self.acme))
            #expect(duplicate.status == .conflict)
            #expect(try errorDetail(duplicate).message.contains("is already connected to okta"), "\(String(buffer: duplicate.body))")

            for method in [HTTPRequest.Method.get, .delete, .patch] {
                let unknown = try await client.execute(
                    uri: "/api/integrations/no-such-id", method: method, body: ByteBuffer(string: #"{"api_endpoint": "https://x.example.com"}"#))
                #expect(unknown.status == .notFound, "\(method)")
                #expect(try errorDetail(unknown).message.contains("no connected integration has the id 'no-such-id'"))
            }
            let badPatch = try await client.execute(
                uri: "/api/integrations/\(pathEncoded("acme/okta"))", method: .patch, body: ByteBuffer(string: #"{"api_endpoint": "http://"}"#))
            #expect(badPatch.status == .badRequest)
            #expect(try errorDetail(badPatch).message.contains("it has no host"))
            let nothing = try await client.execute(uri: "/api/integrations/\(pathEncoded("acme/okta"))", method: .patch, body: ByteBuffer(string: "{}"))
            #expect(nothing.status == .badRequest)
            #expect(try errorDetail(nothing).message.contains("nothing to change"))
        }
        await harness.dataStore?.close()
    }
}
