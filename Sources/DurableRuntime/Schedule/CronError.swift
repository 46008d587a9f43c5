/// Why a cron expression was refused; each message names the field, the bad token and what is
/// allowed.
public enum CronError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The expression has neither 5 nor 6 whitespace-separated fields.
    case wrongFieldCount(expression: String, count: Int)
    /// A number (or name) lies outside the field's values.
    case valueOutOfRange(field: String, value: Int, range: ClosedRange<Int>, expression: String)
    /// A step `/n` is 0 or larger than the field's largest value.
    case stepOutOfRange(field: String, step: Int, range: ClosedRange<Int>, expression: String)
    /// A range `a-b` whose start is after its end.
    case reversedRange(field: String, token: String, expression: String)
    /// A token that is not a number, a name, `*`, a range, a list or a step.
    case invalidToken(field: String, token: String, expression: String, expected: String)

    /// What is wrong and how to write it instead.
    public var description: String {
        switch self {
        case .wrongFieldCount(let expression, let count):
            "cron expression '\(expression)' has \(count) field\(count == 1 ? "" : "s"); expected 5 (minute hour day-of-month month day-of-week) or 6 with seconds first (second minute hour day-of-month month day-of-week)"
        case .valueOutOfRange(let field, let value, let range, let expression):
            "cron field '\(field)' value \(value) is out of range \(range.lowerBound)-\(range.upperBound) in '\(expression)'"
        case .stepOutOfRange(let field, let step, let range, let expression):
            "cron field '\(field)' step \(step) is out of range \(range.lowerBound)-\(range.upperBound) in '\(expression)'"
        case .reversedRange(let field, let token, let expression):
            "cron field '\(field)' range '\(token)' runs backwards in '\(expression)'; write the smaller value first (ranges do not wrap around)"
        case .invalidToken(let field, let token, let expression, let expected):
            "cron field '\(field)' has an invalid token '\(token)' in '\(expression)'; expected \(expected)"
        }
    }
}
