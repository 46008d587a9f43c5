import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Testing

@Suite("UUID version 5")
struct UUIDv5Tests {
    // Vectors checked with Python: uuid.uuid5(uuid.NAMESPACE_…, name).
    @Test("name-based UUIDs equal Python's uuid.uuid5", arguments: [
        (UUID.namespaceDNS, "www.example.com", "2ed6657d-e927-568b-95e1-2665a8aea6a2"),
        (UUID.namespaceDNS, "python.org", "886313e1-3b8a-5372-9b90-0c9aee199e5d"),
        (UUID.namespaceURL, "http://www.python.org/", "c2a8cbf8-d0f1-5ef4-9740-c3faec8ab1a0"),
        (UUID.namespaceOID, "python.org", "cd5d0bff-2444-5d26-ab53-4f7db1cb733d"),
    ])
    func knownVectors(namespace: UUID, name: String, expected: String) {
        #expect(UUID.v5(namespace: namespace, name: name).uuidString.lowercased() == expected)
    }

    @Test("the standard namespaces are RFC 4122's")
    func namespaces() {
        #expect(UUID.namespaceDNS.uuidString.lowercased() == "6ba7b810-9dad-11d1-80b4-00c04fd430c8")
        #expect(UUID.namespaceURL.uuidString.lowercased() == "6ba7b811-9dad-11d1-80b4-00c04fd430c8")
        #expect(UUID.namespaceOID.uuidString.lowercased() == "6ba7b812-9dad-11d1-80b4-00c04fd430c8")
    }

    @Test("a v5 UUID carries version 5 and the RFC 4122 variant")
    func versionAndVariant() {
        let uuid = UUID.v5(namespace: .namespaceDNS, name: "anything at all").uuid
        #expect(uuid.6 >> 4 == 5)
        #expect(uuid.8 >> 6 == 0b10)
    }
}
