import Foundation

/// A cron expression, evaluated in UTC: when a scheduled workflow runs.
///
/// Five fields, `minute hour day-of-month month day-of-week`, or six with the seconds first,
/// `second minute hour day-of-month month day-of-week` (as DBOS writes them). Each field takes
/// `*`, numbers, ranges `a-b`, lists `a,b` and steps `*/n`, `a-b/n` and `a/n` (from `a` to the
/// field's last value). Months also take `JAN`…`DEC`, days of the week `SUN`…`SAT` (in any case);
/// day-of-week 0 and 7 are both Sunday, and a day-of-week range may end on Sunday (`FRI-SUN`).
///
/// As in every cron, when both day-of-month and day-of-week are restricted (neither is `*` or
/// `*/1`), a day matches if either matches: `0 0 13 * FRI` fires on every 13th and on every
/// Friday. When one of them is `*`, the other alone decides.
///
/// ```swift
/// let nightly = try CronSchedule("20 5 * * *")            // 05:20:00 UTC every day
/// let everyTwoSeconds = try CronSchedule("*/2 * * * * *")
/// let tick = nightly.next(after: Date())
/// ```
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let expression: String
    // One bit per allowed value (bit n set: value n matches). Day-of-week uses bits 0…6.
    let seconds: UInt64
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    let daysOfWeek: UInt64
    /// Whether day-of-month is `*`, which makes day-of-week alone decide (and vice versa).
    let dayOfMonthIsWildcard: Bool
    let dayOfWeekIsWildcard: Bool

    /// How far ``next(after:)`` looks ahead: eight years, enough to reach February 29 even
    /// across a century year that is not a leap year (2096 → 2104).
    static let searchYears = 8

    /// Parses a cron expression of 5 or 6 fields.
    ///
    /// - Throws: ``CronError`` naming the field, the bad token and what the field allows.
    public init(_ expression: String) throws(CronError) {
        let texts = expression.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        let fields: [CronField]
        switch texts.count {
        case 5: fields = [.minute, .hour, .dayOfMonth, .month, .dayOfWeek]
        case 6: fields = CronField.allCases
        default: throw .wrongFieldCount(expression: expression, count: texts.count)
        }
        var masks: [CronField: CronFieldParser.Parsed] = [:]
        for (field, text) in zip(fields, texts) {
            masks[field] = try CronFieldParser(field: field, expression: expression).parse(text)
        }
        self.expression = expression
        seconds = masks[.second]?.mask ?? 1  // five fields: at second 0
        minutes = masks[.minute]!.mask
        hours = masks[.hour]!.mask
        daysOfMonth = masks[.dayOfMonth]!.mask
        months = masks[.month]!.mask
        daysOfWeek = masks[.dayOfWeek]!.mask
        dayOfMonthIsWildcard = masks[.dayOfMonth]!.isWildcard
        dayOfWeekIsWildcard = masks[.dayOfWeek]!.isWildcard
    }

    /// The expression as written.
    public var description: String { expression }

    /// The first instant strictly after `date` that the expression matches, in whole seconds,
    /// or nil if none comes within eight years (such as `0 0 30 2 *`, February 30).
    ///
    /// `date` is truncated to its second first, so the result is at least one second later.
    /// The search skips whole months, days, hours and minutes that cannot match, so it costs a
    /// few thousand steps at worst.
    public func next(after date: Date) -> Date? {
        let start = date.timeIntervalSince1970.rounded(.down)
        // Beyond ±10¹² s (±31,000 years) nothing useful is left to find, and Int stays safe.
        guard start.isFinite, abs(start) < 1e12 else { return nil }
        var candidate = UTCDateTime(secondsSince1970: Int(start) + 1)
        let lastYear = candidate.year + Self.searchYears
        while candidate.year <= lastYear {
            guard let month = months.firstValue(from: candidate.month) else {
                candidate = UTCDateTime(year: candidate.year + 1, month: 1, day: 1)
                continue
            }
            if month != candidate.month {
                candidate = UTCDateTime(year: candidate.year, month: month, day: 1)
            }
            guard matchesDay(candidate) else {
                candidate = UTCDateTime(secondsSince1970: (candidate.daysSince1970 + 1) * 86_400)
                continue
            }
            guard let hour = hours.firstValue(from: candidate.hour) else {
                candidate = UTCDateTime(secondsSince1970: (candidate.daysSince1970 + 1) * 86_400)
                continue
            }
            if hour != candidate.hour {
                (candidate.hour, candidate.minute, candidate.second) = (hour, 0, 0)
            }
            guard let minute = minutes.firstValue(from: candidate.minute) else {
                (candidate.minute, candidate.second) = (0, 0)
                candidate = UTCDateTime(secondsSince1970: candidate.secondsSince1970 + 3600)
                continue
            }
            if minute != candidate.minute {
                (candidate.minute, candidate.second) = (minute, 0)
            }
            guard let second = seconds.firstValue(from: candidate.second) else {
                candidate.second = 0
                candidate = UTCDateTime(secondsSince1970: candidate.secondsSince1970 + 60)
                continue
            }
            candidate.second = second
            return Date(timeIntervalSince1970: TimeInterval(candidate.secondsSince1970))
        }
        return nil
    }

    /// Whether the day of `date` matches day-of-month and day-of-week (either one of them when
    /// both are restricted).
    func matchesDay(_ date: UTCDateTime) -> Bool {
        let dayOfMonthMatches = daysOfMonth.contains(date.day)
        let dayOfWeekMatches = daysOfWeek.contains(date.weekday)
        if dayOfMonthIsWildcard || dayOfWeekIsWildcard {
            return dayOfMonthMatches && dayOfWeekMatches
        }
        return dayOfMonthMatches || dayOfWeekMatches
    }
}

extension UInt64 {
    /// Whether bit `value` is set.
    fileprivate func contains(_ value: Int) -> Bool {
        self & (1 << UInt64(value)) != 0
    }

    /// The smallest set bit at `value` or above, if any.
    fileprivate func firstValue(from value: Int) -> Int? {
        let remaining = self >> UInt64(value)
        return remaining == 0 ? nil : value + remaining.trailingZeroBitCount
    }
}
