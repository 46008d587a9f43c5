/// One field of a cron expression: its name in error messages, its values, its names.
enum CronField: Sendable, CaseIterable {
    case second, minute, hour, dayOfMonth, month, dayOfWeek

    /// The name used in error messages.
    var name: String {
        switch self {
        case .second: "second"
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// The values a token may name. Day-of-week accepts 7 as a second Sunday.
    var range: ClosedRange<Int> {
        switch self {
        case .second, .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// The largest step that can select more than the first value.
    var steps: ClosedRange<Int> { 1...range.upperBound }

    /// The names a token may use instead of numbers (case-insensitive), with their values.
    var names: [String: Int] {
        switch self {
        case .month:
            ["JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
             "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12]
        case .dayOfWeek:
            ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6]
        default:
            [:]
        }
    }

    /// What a token of this field may look like, for error messages.
    var syntaxHint: String {
        let values = "\(range.lowerBound)-\(range.upperBound)"
        let numbers: String
        switch self {
        case .month: numbers = "a number \(values) or a name JAN-DEC"
        case .dayOfWeek: numbers = "a number \(values) (0 and 7 are Sunday) or a name SUN-SAT"
        default: numbers = "a number \(values)"
        }
        return "*, \(numbers), a range a-b, a list a,b, or a step */n, a-b/n or a/n"
    }
}
