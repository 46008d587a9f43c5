import Foundation

/// One line of JSON whose keys keep the order they were added in: what the bench executables
/// print, so that a shell script or a person can read the fields in a fixed order.
public struct JSONLine: Sendable {
    /// A field's value.
    public enum Value: Sendable {
        /// A whole number.
        case integer(Int)
        /// A number printed with `decimals` digits after the point; `null` when not finite.
        case number(Double, decimals: Int)
        /// A string.
        case text(String)
        /// `null`.
        case null
    }

    private var fields: [(key: String, value: Value)] = []

    /// An empty object.
    public init() {}

    /// Appends `key` with `value`.
    public mutating func append(_ key: String, _ value: Value) {
        fields.append((key, value))
    }

    /// The object on one line.
    public var text: String {
        "{" + fields.map { "\(Self.quoted($0.key)):\(Self.rendered($0.value))" }.joined(separator: ",") + "}"
    }

    private static func rendered(_ value: Value) -> String {
        switch value {
        case .integer(let number): String(number)
        case .number(let number, let decimals):
            number.isFinite ? String(format: "%.\(max(0, decimals))f", number) : "null"
        case .text(let text): quoted(text)
        case .null: "null"
        }
    }

    private static func quoted(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped + "\""
    }
}
