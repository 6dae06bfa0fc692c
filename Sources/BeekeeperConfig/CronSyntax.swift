/// Checks the shape of a cron schedule: five fields (minute hour day-of-month month day-of-week)
/// of `*`, numbers, names (`jan`, `mon`), ranges, lists and steps, or one of `@hourly`, `@daily`,
/// `@weekly`, `@monthly`, `@yearly` (and their aliases `@midnight`, `@annually`). It validates
/// only; the scheduler computes run times.
enum CronSyntax {
    static let macros: Set<String> = ["@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"]

    private struct Field {
        var name: String
        var range: ClosedRange<Int>
        var names: [String] = []
        /// Value of `names[0]`.
        var namesStart = 0
    }

    private static let fields = [
        Field(name: "minute", range: 0...59),
        Field(name: "hour", range: 0...23),
        Field(name: "day of month", range: 1...31),
        Field(name: "month", range: 1...12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], namesStart: 1),
        Field(name: "day of week", range: 0...7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], namesStart: 0),
    ]

    /// What is wrong with `schedule`, or nil if it is a valid schedule.
    static func problem(in schedule: String) -> String? {
        let trimmed = schedule.trimmingWhitespace()
        if trimmed.hasPrefix("@") {
            return macros.contains(trimmed.lowercased()) ? nil : "unknown macro (use @hourly, @daily, @weekly, @monthly or @yearly)"
        }
        let parts = trimmed.split(whereSeparator: \.isWhitespace)
        guard parts.count == 5 else {
            return "expected 5 fields (minute hour day-of-month month day-of-week), found \(parts.count)"
        }
        for (part, field) in zip(parts, fields) {
            for item in part.split(separator: ",", omittingEmptySubsequences: false) {
                if let problem = problem(inItem: item, field) {
                    return "\(field.name) field \"\(part)\": \(problem)"
                }
            }
        }
        return nil
    }

    private static func problem(inItem item: Substring, _ field: Field) -> String? {
        let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count <= 2 else { return "more than one \"/\"" }
        if pieces.count == 2 {
            guard let step = Int(pieces[1]), step >= 1, step <= field.range.upperBound + 1 else {
                return "invalid step \"\(pieces[1])\""
            }
        }
        let base = pieces[0]
        if base == "*" { return nil }
        let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count <= 2 else { return "invalid range \"\(base)\"" }
        var values: [Int] = []
        for bound in bounds {
            guard let value = value(of: bound, field) else {
                return "\"\(bound)\" is not a \(field.name) (\(field.range.lowerBound)-\(field.range.upperBound)\(field.names.isEmpty ? "" : " or a name"))"
            }
            values.append(value)
        }
        if values.count == 2, values[0] > values[1] {
            return "range \"\(base)\" runs backwards"
        }
        return nil
    }

    private static func value(of text: Substring, _ field: Field) -> Int? {
        if let number = Int(text), text.allSatisfy(\.isASCIIDigit) {
            return field.range.contains(number) ? number : nil
        }
        if let index = field.names.firstIndex(of: text.lowercased()) {
            return field.namesStart + index
        }
        return nil
    }
}
