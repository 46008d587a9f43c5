import DurableRuntime
import Foundation
import Testing

/// A date from an ISO 8601 UTC string, with or without milliseconds.
func utc(_ text: String) -> Date {
    if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
    return try! Date.ISO8601FormatStyle().parse(text)
}

/// One expectation of `CronSchedule.next(after:)`.
struct NextTickCase: Sendable, CustomTestStringConvertible {
    var expression: String
    var after: String
    /// The expected next tick, or nil when nothing matches.
    var expected: String?
    var why: String

    init(_ expression: String, after: String, _ expected: String?, _ why: String) {
        self.expression = expression
        self.after = after
        self.expected = expected
        self.why = why
    }

    var testDescription: String { "'\(expression)' after \(after): \(why)" }
}

/// An expression and a hand-written predicate on UTC calendar components (weekday 1 is Sunday).
struct ScanCase: Sendable, CustomTestStringConvertible {
    var expression: String
    var matches: @Sendable (DateComponents) -> Bool

    init(_ expression: String, matches: @escaping @Sendable (DateComponents) -> Bool) {
        self.expression = expression
        self.matches = matches
    }

    var testDescription: String { "'\(expression)'" }
}

/// One expression that must be refused, and what its message must say.
struct BadExpressionCase: Sendable, CustomTestStringConvertible {
    var expression: String
    var message: String

    init(_ expression: String, _ message: String) {
        self.expression = expression
        self.message = message
    }

    var testDescription: String { "'\(expression)'" }
}

@Suite("Cron schedules")
struct CronScheduleTests {
    static let nextTicks: [NextTickCase] = [
        .init("* * * * *", after: "2026-11-28T05:20:30Z", "2026-11-28T05:21:00Z", "every minute, at second 0"),
        .init("* * * * *", after: "2026-11-28T05:20:00Z", "2026-11-28T05:21:00Z", "strictly after a matching instant"),
        .init("* * * * *", after: "2026-11-28T05:20:59.999Z", "2026-11-28T05:21:00Z", "the start is truncated to its second"),
        .init("20 5 * * *", after: "2026-11-28T00:00:00Z", "2026-11-28T05:20:00Z", "daily at 05:20 UTC, later that day"),
        .init("20 5 * * *", after: "2026-11-28T05:20:00Z", "2026-11-29T05:20:00Z", "daily at 05:20 UTC, the next day"),
        .init("*/15 * * * *", after: "2026-11-28T05:20:00Z", "2026-11-28T05:30:00Z", "every quarter hour"),
        .init("*/15 * * * *", after: "2026-11-28T23:45:00Z", "2026-11-29T00:00:00Z", "every quarter hour, across midnight"),
        .init("0 9-17 * * *", after: "2026-11-28T17:00:00Z", "2026-11-29T09:00:00Z", "an hour range"),
        .init("0 10-20/5 * * *", after: "2026-11-28T10:00:00Z", "2026-11-28T15:00:00Z", "a stepped range"),
        .init("30/10 * * * *", after: "2026-11-28T05:55:00Z", "2026-11-28T06:30:00Z", "a/n runs from a to the end"),
        .init("0,30 8,20 * * *", after: "2026-11-28T08:30:00Z", "2026-11-28T20:00:00Z", "lists"),
        .init("0 0 1 */3 *", after: "2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z", "every third month from January"),
        .init("0 0 1 JAN,jul *", after: "2026-02-01T00:00:00Z", "2026-07-01T00:00:00Z", "month names in any case"),
        .init("0 0 1 Mar-May *", after: "2026-05-01T00:00:00Z", "2027-03-01T00:00:00Z", "a month name range"),
        .init("0 12 * * sat", after: "2026-11-25T00:00:00Z", "2026-11-28T12:00:00Z", "a weekday name (2026-11-28 is a Saturday)"),
        .init("0 9 * * MON-FRI", after: "2026-11-27T09:00:00Z", "2026-11-30T09:00:00Z", "weekdays skip the weekend"),
        .init("0 0 * * FRI-SUN", after: "2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z", "a weekday range may end on Sunday"),
        .init("0 0 * * 0", after: "2026-11-25T00:00:00Z", "2026-11-29T00:00:00Z", "0 is Sunday"),
        .init("0 0 * * 7", after: "2026-11-25T00:00:00Z", "2026-11-29T00:00:00Z", "7 is Sunday too"),
        .init("0 0 * * 5-7", after: "2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z", "a range up to 7 includes Sunday"),
        .init("0 0 13 * *", after: "2026-11-28T00:00:00Z", "2026-12-13T00:00:00Z", "day-of-month alone"),
        .init("0 0 13 * FRI", after: "2026-11-28T00:00:00Z", "2026-12-04T00:00:00Z", "day-of-month OR day-of-week: the Friday first"),
        .init("0 0 13 * FRI", after: "2026-12-11T00:00:00Z", "2026-12-13T00:00:00Z", "day-of-month OR day-of-week: the 13th (a Sunday) first"),
        .init("0 0 */10 * MON", after: "2026-11-28T00:00:00Z", "2026-11-30T00:00:00Z", "a stepped day-of-month is restricted too"),
        .init("0 0 31 * *", after: "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z", "months without a 31st are skipped"),
        .init("0 0 29 2 *", after: "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z", "February 29 in the next leap year"),
        .init("0 0 29 2 *", after: "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z", "February 29 across 2100, which is not a leap year"),
        .init("0 0 1 1 *", after: "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z", "year rollover"),
        .init("59 23 31 12 *", after: "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z", "the last minute of the year, a year later"),
        .init("*/2 * * * * *", after: "2026-11-28T05:20:00Z", "2026-11-28T05:20:02Z", "seconds first: every two seconds"),
        .init("*/2 * * * * *", after: "2026-11-28T05:20:01.500Z", "2026-11-28T05:20:02Z", "seconds first, from a fractional start"),
        .init("*/2 * * * * *", after: "2026-11-28T05:20:59Z", "2026-11-28T05:21:00Z", "seconds first, across a minute"),
        .init("30 20 5 * * *", after: "2026-11-28T05:20:30Z", "2026-11-29T05:20:30Z", "seconds first: daily at 05:20:30"),
        .init("0 0 0 1 1 *", after: "2026-12-31T23:59:59.999Z", "2027-01-01T00:00:00Z", "seconds first: yearly"),
        .init("0 0 30 2 *", after: "2026-01-01T00:00:00Z", nil, "February 30 never comes"),
        .init("0 0 31 4,6,9,11 *", after: "2026-01-01T00:00:00Z", nil, "no 31st in a 30-day month"),
    ]

    @Test("next(after:) returns the first matching instant strictly after the date", arguments: nextTicks)
    func nextTick(_ example: NextTickCase) throws {
        let schedule = try CronSchedule(example.expression)
        #expect(schedule.next(after: utc(example.after)) == example.expected.map(utc))
    }

    static let scans: [ScanCase] = [
        ScanCase("*/15 9-17 * * MON-FRI") { $0.minute! % 15 == 0 && (9...17).contains($0.hour!) && (2...6).contains($0.weekday!) },
        ScanCase("0 0 13 * FRI") { $0.minute! == 0 && $0.hour! == 0 && ($0.day! == 13 || $0.weekday! == 6) },
        ScanCase("5,35 */6 1-10 * *") { [5, 35].contains($0.minute!) && $0.hour! % 6 == 0 && (1...10).contains($0.day!) },
    ]

    @Test("chained ticks agree with a minute-by-minute scan over three weeks", arguments: scans)
    func agreesWithScan(_ scan: ScanCase) throws {
        let (expression, matches) = (scan.expression, scan.matches)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let schedule = try CronSchedule(expression)
        let start = utc("2026-11-20T00:00:00Z")
        var expected: [Date] = []
        for minute in 1...(21 * 24 * 60) {
            let date = start.addingTimeInterval(TimeInterval(minute * 60))
            if matches(calendar.dateComponents([.minute, .hour, .day, .weekday], from: date)) { expected.append(date) }
        }
        var chained: [Date] = []
        var after = start
        while let tick = schedule.next(after: after), tick <= expected.last! {
            chained.append(tick)
            after = tick
        }
        #expect(!expected.isEmpty)
        #expect(chained == expected)
    }

    @Test("an impossible date is given up on without scanning second by second")
    func impossibleDateIsQuick() throws {
        let schedule = try CronSchedule("0 0 0 30 2 *")
        let started = ContinuousClock.now
        for _ in 0..<100 { #expect(schedule.next(after: utc("2026-01-01T00:00:00Z")) == nil) }
        // Eight years second by second would be 250 million steps; by field it is a few thousand.
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    static let badExpressions: [BadExpressionCase] = [
        .init("", "cron expression '' has 0 fields; expected 5 (minute hour day-of-month month day-of-week) or 6 with seconds first"),
        .init("* * * *", "cron expression '* * * *' has 4 fields; expected 5"),
        .init("* * * * * * *", "cron expression '* * * * * * *' has 7 fields; expected 5"),
        .init("0 25 * * *", "cron field 'hour' value 25 is out of range 0-23 in '0 25 * * *'"),
        .init("60 * * * *", "cron field 'minute' value 60 is out of range 0-59 in '60 * * * *'"),
        .init("60 * * * * *", "cron field 'second' value 60 is out of range 0-59 in '60 * * * * *'"),
        .init("0 0 0 * *", "cron field 'day-of-month' value 0 is out of range 1-31 in '0 0 0 * *'"),
        .init("0 0 * 13 *", "cron field 'month' value 13 is out of range 1-12 in '0 0 * 13 *'"),
        .init("0 0 * * 8", "cron field 'day-of-week' value 8 is out of range 0-7 in '0 0 * * 8'"),
        .init("0 0 * * 1-9", "cron field 'day-of-week' value 9 is out of range 0-7 in '0 0 * * 1-9'"),
        .init("*/0 * * * *", "cron field 'minute' step 0 is out of range 1-59 in '*/0 * * * *'"),
        .init("0 1-5/0 * * *", "cron field 'hour' step 0 is out of range 1-23 in '0 1-5/0 * * *'"),
        .init("0 */24 * * *", "cron field 'hour' step 24 is out of range 1-23 in '0 */24 * * *'"),
        .init("0 17-9 * * *", "cron field 'hour' range '17-9' runs backwards in '0 17-9 * * *'; write the smaller value first"),
        .init("abc * * * *", "cron field 'minute' has an invalid token 'abc' in 'abc * * * *'; expected *, a number 0-59"),
        .init("0 0 * FOO *", "cron field 'month' has an invalid token 'FOO' in '0 0 * FOO *'; expected *, a number 1-12 or a name JAN-DEC"),
        .init("0 0 * * FRIDAY", "cron field 'day-of-week' has an invalid token 'FRIDAY' in '0 0 * * FRIDAY'; expected *, a number 0-7 (0 and 7 are Sunday) or a name SUN-SAT"),
        .init("MON * * * *", "cron field 'minute' has an invalid token 'MON'"),
        .init("1-2-3 * * * *", "cron field 'minute' has an invalid token '1-2-3'"),
        .init("1,,2 * * * *", "cron field 'minute' has an invalid token '1,,2'"),
        .init("*/ * * * *", "cron field 'minute' has an invalid token '*/'"),
        .init("*/x * * * *", "cron field 'minute' has an invalid token '*/x'"),
        .init("1/2/3 * * * *", "cron field 'minute' has an invalid token '1/2/3'"),
        .init("-5 * * * *", "cron field 'minute' has an invalid token '-5'"),
        .init("5- * * * *", "cron field 'minute' has an invalid token '5-'"),
        .init("99999999999999999999 * * * *", "cron field 'minute' has an invalid token '99999999999999999999'"),
    ]

    @Test("a bad expression is refused with a message naming the field, the token and what is allowed",
          arguments: badExpressions)
    func badExpression(_ example: BadExpressionCase) {
        let error = #expect(throws: CronError.self) { try CronSchedule(example.expression) }
        let message = error?.description ?? ""
        #expect(message.hasPrefix(example.message), "got: \(message)")
    }

    @Test("errors are typed values that tests and callers can match")
    func typedErrors() {
        #expect(throws: CronError.valueOutOfRange(field: "hour", value: 25, range: 0...23, expression: "0 25 * * *")) {
            try CronSchedule("0 25 * * *")
        }
        #expect(throws: CronError.wrongFieldCount(expression: "daily", count: 1)) { try CronSchedule("daily") }
    }

    @Test("whitespace between fields may be any run of spaces and tabs")
    func whitespace() throws {
        let schedule = try CronSchedule("  20\t5  * *   * ")
        #expect(schedule.next(after: utc("2026-11-28T00:00:00Z")) == utc("2026-11-28T05:20:00Z"))
        #expect(schedule.description == "  20\t5  * *   * ")
    }
}
