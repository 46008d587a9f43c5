import ELT
import Foundation
import Hummingbird

extension ConnectedIntegration: ResponseEncodable {}

/// The admin API's connected integrations, what `elt integrations` does:
///
/// - `GET /api/integrations`: `{"integrations": [...]}`
/// - `GET /api/integrations/:id`: one integration (`:id` is its id or `ORGANIZATION%2FPROVIDER`)
/// - `POST /api/integrations` `{"organization_id", "provider", "api_endpoint", "auth_header_env"?,
///   "permission_source_name"?}`: 201 and the integration
/// - `PATCH /api/integrations/:id` `{"api_endpoint"?, "auth_header_env"?, "permission_source_name"?}`
///   (`"auth_header_env": ""` stops sending the header)
/// - `DELETE /api/integrations/:id`: the removed integration
///
/// Refusals: 400 for an unusable field, 404 for an unknown id, 409 for an integration that
/// exists already; the message says what to do and never holds a credential.
enum IntegrationRoutes {
    struct Integrations: ResponseEncodable {
        var integrations: [ConnectedIntegration]
    }

    struct AddRequest: RequestBody {
        var organizationID: String
        var provider: String
        var apiEndpoint: String
        var authHeaderEnv: String?
        var permissionSourceName: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case organizationID = "organization_id", provider, apiEndpoint = "api_endpoint", authHeaderEnv = "auth_header_env"
            case permissionSourceName = "permission_source_name"
        }
    }

    struct ChangeRequest: RequestBody {
        var apiEndpoint: String?
        var authHeaderEnv: String?
        var permissionSourceName: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case apiEndpoint = "api_endpoint", authHeaderEnv = "auth_header_env", permissionSourceName = "permission_source_name"
        }
    }

    static let addExample = #"{"organization_id": "acme", "provider": "okta", "api_endpoint": "https://idp.example.com/users", "auth_header_env": "ELT_ACME_AUTH"}"#
    static let changeExample = #"{"api_endpoint": "https://idp.example.com/v2/users"}"#

    static func add(to router: Router<ServerRequestContext>, registry: IntegrationRegistry) {
        let api = router.group("api")
        api.get("integrations") { _, _ -> Integrations in
            Integrations(integrations: try await registry.list())
        }
        api.get("integrations/:id") { _, context -> ConnectedIntegration in
            try await refusing { try await registry.find(try reference(context)) }
        }
        api.post("integrations") { request, context -> EditedResponse<ConnectedIntegration> in
            let body = try await AdminRoutes.decode(AddRequest.self, request, context, example: addExample)
            let integration = try await refusing {
                try await registry.add(NewIntegration(
                    organizationID: body.organizationID, provider: body.provider, apiEndpoint: body.apiEndpoint,
                    authHeaderEnv: body.authHeaderEnv, permissionSourceName: body.permissionSourceName))
            }
            return EditedResponse(status: .created, response: integration)
        }
        api.patch("integrations/:id") { request, context -> ConnectedIntegration in
            let reference = try reference(context)
            let body = try await AdminRoutes.decode(ChangeRequest.self, request, context, example: changeExample)
            return try await refusing {
                try await registry.update(reference, IntegrationChange(
                    apiEndpoint: body.apiEndpoint, authHeaderEnv: body.authHeaderEnv, permissionSourceName: body.permissionSourceName))
            }
        }
        api.delete("integrations/:id") { _, context -> ConnectedIntegration in
            try await refusing { try await registry.remove(try reference(context)) }
        }
    }

    /// The `:id` path parameter, percent-decoded.
    private static func reference(_ context: ServerRequestContext) throws -> String {
        let raw = try context.parameters.require("id")
        do {
            return try PercentDecoding.decode(raw)
        } catch {
            throw HTTPError(.badRequest, message: "the integration id in the path cannot be decoded: \(error.description)")
        }
    }

    /// Turns the registry's refusals into 400, 404 or 409 with their message.
    private static func refusing<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as IntegrationError {
            switch error {
            case .notFound: throw HTTPError(.notFound, message: error.description)
            case .exists: throw HTTPError(.conflict, message: error.description)
            default: throw HTTPError(.badRequest, message: error.description)
            }
        }
    }
}
