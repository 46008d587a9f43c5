import Foundation

/// The input of a scheduled workflow: the tick it was scheduled for and when it was enqueued.
///
/// In JSON the keys are `scheduled_time` and `actual_time`, and the dates ISO 8601 strings in
/// UTC with milliseconds (`"2026-11-28T05:20:00.000Z"`), whatever date strategy the coder has,
/// so any JSON reader can read them. Decoding also accepts strings without fractional seconds
/// or with another UTC offset.
public struct ScheduledTime: Codable, Sendable, Equatable {
    /// The cron tick, in whole seconds.
    public var scheduledTime: Date
    /// When the scheduler enqueued the workflow: at or shortly after the tick.
    public var actualTime: Date

    /// Creates a scheduled time.
    public init(scheduledTime: Date, actualTime: Date) {
        self.scheduledTime = scheduledTime
        self.actualTime = actualTime
    }

    enum CodingKeys: String, CodingKey {
        case scheduledTime = "scheduled_time"
        case actualTime = "actual_time"
    }

    /// Decodes the two ISO 8601 strings.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        scheduledTime = try Self.decodeDate(container, .scheduledTime)
        actualTime = try Self.decodeDate(container, .actualTime)
    }

    /// Encodes both dates as ISO 8601 strings in UTC with milliseconds.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.withMilliseconds.format(scheduledTime), forKey: .scheduledTime)
        try container.encode(Self.withMilliseconds.format(actualTime), forKey: .actualTime)
    }

    private static let withMilliseconds = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let wholeSeconds = Date.ISO8601FormatStyle()

    private static func decodeDate(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Date {
        let text = try container.decode(String.self, forKey: key)
        if let date = try? withMilliseconds.parse(text) { return date }
        if let date = try? wholeSeconds.parse(text) { return date }
        throw DecodingError.dataCorruptedError(
            forKey: key, in: container,
            debugDescription: "'\(text)' is not an ISO 8601 date such as 2026-11-28T05:20:00.000Z")
    }
}
