import Foundation

/// Encodes and decodes the JSON the journal stores (inputs, outputs, errors).
///
/// Keys are sorted so that equal values always produce equal text: a retried commit compares
/// outcomes by their text.
enum JournalJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        if let writable = value as? any JournalJSONWritable {
            var writer = JournalJSONWriter()
            writable.write(to: &writer)
            return writer.text
        }
        return try encodeWithEncoder(value)
    }

    /// `value` through `JSONEncoder`, whatever it conforms to.
    static func encodeWithEncoder<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        let data = try encoder.encode(value)
        return String(decoding: data, as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try decoder.decode(type, from: Data(text.utf8))
    }

    /// Decodes a value the journal stored for `workflowID`, naming `what` on failure.
    static func decode<T: Decodable>(_ type: T.Type, from text: String?, workflowID: String, what: String) throws -> T {
        guard let text else {
            throw WorkflowError.decodingFailed(workflowID: workflowID, what: what, reason: "nothing is stored")
        }
        do {
            return try decode(type, from: text)
        } catch {
            throw WorkflowError.decodingFailed(workflowID: workflowID, what: what, reason: "\(error) in \(text.prefix(200))")
        }
    }
}
