import Foundation

/// The JSON the data stores keep in text columns (stage outcomes, `provider_data`), encoded and
/// decoded the same way by every store (`package`: the stores live in ELTSQLite and ELTPostgres).
package enum StoreJSON {
    /// Sorted keys, unescaped slashes: equal values give equal text.
    package static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes `text`, or throws ``StoreError/corrupt(what:reason:)`` naming `what`.
    package static func decode<T: Decodable>(_ type: T.Type, _ text: String, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw StoreError.corrupt(what: what, reason: String(describing: error))
        }
    }

    /// An integration from its columns.
    package static func integration(id: String, organizationID: String, provider: String, providerData: String) throws -> ConnectedIntegration {
        let data = try decode(ProviderData.self, providerData, what: "provider_data of integration \(id)")
        var integration = ConnectedIntegration(organizationID: organizationID, provider: provider, providerData: data)
        integration.id = id
        return integration
    }
}
