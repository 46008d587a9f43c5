/// Parses one field of a cron expression into a bit mask of the values it selects.
struct CronFieldParser {
    /// A parsed field: one bit per selected value, and whether it was written as `*`.
    struct Parsed: Sendable, Hashable {
        var mask: UInt64
        var isWildcard: Bool
    }

    let field: CronField
    /// The whole expression, quoted in errors.
    let expression: String

    /// Parses a field such as `*/15`, `1-5`, `MON,WED,FRI` or `0-30/10,45`.
    func parse(_ text: String) throws(CronError) -> Parsed {
        var mask: UInt64 = 0
        for element in text.split(separator: ",", omittingEmptySubsequences: false) {
            mask |= try parseElement(String(element), in: text)
        }
        // `*` and `*/1` leave the field unrestricted (for the day-of-month/day-of-week rule).
        return Parsed(mask: mask, isWildcard: text == "*" || text == "*/1")
    }

    /// Parses one element of a list: `*`, `a`, `a-b`, each optionally followed by `/step`.
    private func parseElement(_ element: String, in text: String) throws(CronError) -> UInt64 {
        let parts = element.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2, let base = parts.first, !base.isEmpty else {
            throw invalid(element.isEmpty ? text : element)
        }
        var step = 1
        if parts.count == 2 {
            guard let parsed = number(parts[1]) else { throw invalid(element) }
            guard field.steps.contains(parsed) else {
                throw .stepOutOfRange(field: field.name, step: parsed, range: field.steps, expression: expression)
            }
            step = parsed
        }
        // Day-of-week 7 is Sunday again; open-ended forms stop at Saturday (6).
        let last = field == .dayOfWeek ? 6 : field.range.upperBound
        let low: Int
        var high: Int
        if base == "*" {
            (low, high) = (field.range.lowerBound, last)
        } else if base.contains("-") {
            let bounds = base.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard bounds.count == 2 else { throw invalid(element) }
            low = try value(bounds[0], in: element)
            high = try value(bounds[1], in: element)
            // `FRI-SUN`: a day-of-week range may end on Sunday written as 0.
            if field == .dayOfWeek, high == 0, low > 0 { high = 7 }
            guard low <= high else {
                throw .reversedRange(field: field.name, token: element, expression: expression)
            }
        } else {
            low = try value(base, in: element)
            high = parts.count == 2 ? last : low
        }
        var mask: UInt64 = 0
        for selected in stride(from: low, through: high, by: step) {
            mask |= 1 << UInt64(field == .dayOfWeek && selected == 7 ? 0 : selected)
        }
        return mask
    }

    /// A number or name of this field, checked against its range.
    private func value(_ token: String, in element: String) throws(CronError) -> Int {
        if let parsed = number(token) {
            guard field.range.contains(parsed) else {
                throw .valueOutOfRange(field: field.name, value: parsed, range: field.range, expression: expression)
            }
            return parsed
        }
        if let named = field.names[token.uppercased()] { return named }
        throw invalid(token.isEmpty ? element : token)
    }

    /// A non-negative decimal number, or nil if `token` is anything else.
    private func number(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return Int(token)  // nil for more digits than an Int holds: reported as an invalid token
    }

    private func invalid(_ token: String) -> CronError {
        .invalidToken(field: field.name, token: token, expression: expression, expected: field.syntaxHint)
    }
}
