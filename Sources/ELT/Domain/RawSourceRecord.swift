import Foundation

/// One record of a source page as it arrived: any JSON at all, kept for validation.
///
/// Decoding never fails on content: a record that is not an object, or whose fields have the
/// wrong types, decodes and is then rejected by ``RecordValidator`` with a reason.
public struct RawSourceRecord: Decodable, Sendable, Equatable {
    /// The record as decoded.
    public let json: JSONValue

    /// Wraps a decoded JSON value.
    public init(json: JSONValue) {
        self.json = json
    }

    /// Decodes any JSON value as a record.
    public init(from decoder: any Decoder) throws {
        self.json = try JSONValue(from: decoder)
    }

    /// The field `key`, or nil if the record is not an object or has no such field.
    public func field(_ key: String) -> JSONValue? {
        if case .object(let fields) = json { return fields[key] }
        return nil
    }

    /// The record as compact JSON with sorted keys, for a rejection report.
    public var rawJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(json) else { return "\(json)" }
        return String(decoding: data, as: UTF8.self)
    }
}
