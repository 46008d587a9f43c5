import Foundation

/// Milliseconds since 1970, the journal's time unit.
public func journalTimestamp(_ date: Date = Date()) -> Int64 {
    Int64((date.timeIntervalSince1970 * 1000).rounded())
}

/// A journal time (milliseconds since 1970) as ISO 8601 to the second, UTC, for messages.
func journalTimestampText(_ milliseconds: Int64) -> String {
    Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(.iso8601)
}
