import Foundation
import Logging
import Synchronization

/// `--log-format`: how log lines are written to standard error.
public enum LogFormat: String, Sendable, CaseIterable {
    /// swift-log's text lines: `2026-11-30T20:00:00+0000 notice elt: key=value [Module] message`.
    case text
    /// One JSON object per line (see ``JSONLogHandler``).
    case json
}

/// Writes each log record to standard error as one JSON object on one line:
/// `{"timestamp":"2026-11-30T20:00:00.123Z","level":"notice","label":"elt","message":"…","source":"ELT",`
/// followed by the metadata's keys (a workflow's `workflow_id`, `workflow_name`, `step`,
/// `executor_id`, …). Metadata values are strings, or JSON arrays and objects for nested
/// metadata; a metadata key that collides with one of the fixed keys is written as `meta.<key>`.
public struct JSONLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// Serialises writes from every logger of the process, so lines never interleave.
    private static let output = Mutex(())

    /// A handler for `label` at `level`, adding `metadataProvider`'s metadata to each record.
    public init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider?) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        let line = Self.line(
            timestamp: Date(), level: event.level, label: label, message: event.message.description, source: event.source, metadata: merged)
        Self.output.withLock { _ in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    static let fixedKeys: Set<String> = ["timestamp", "level", "label", "message", "source"]

    /// One record as a JSON object (no newline): what ``log(event:)`` writes.
    public static func line(timestamp: Date, level: Logger.Level, label: String, message: String, source: String, metadata: Logger.Metadata) -> String {
        var fields = [
            ("timestamp", quoted(timestamp.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))),
            ("level", quoted(level.rawValue)), ("label", quoted(label)), ("message", quoted(message)), ("source", quoted(source)),
        ]
        for key in metadata.keys.sorted() {
            fields.append((fixedKeys.contains(key) ? "meta.\(key)" : key, json(metadata[key]!)))
        }
        return "{" + fields.map { "\(quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .stringConvertible(let convertible): quoted(convertible.description)
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let entries):
            "{" + entries.keys.sorted().map { "\(quoted($0)):\(json(entries[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
