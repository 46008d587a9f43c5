import Foundation

/// Milliseconds since 1970, the journal's time unit.
public func journalTimestamp(_ date: Date = Date()) -> Int64 {
    Int64((date.timeIntervalSince1970 * 1000).rounded())
}
