public import Foundation

/// A cron schedule: five fields (minute hour day-of-month month day-of-week) of `*`, numbers,
/// names (`jan`, `mon`), ranges, lists and steps, or `@hourly`, `@daily` (`@midnight`),
/// `@weekly`, `@monthly`, `@yearly` (`@annually`).
///
/// Semantics follow Vixie cron: day-of-week 0 and 7 are Sunday; when both day fields are
/// restricted (neither starts with `*`), a day matches if either does (`0 0 1 * mon` is the
/// 1st of each month and every Monday); otherwise both must match. `N/S` means `N-max/S`.
///
/// Run times are wall-clock times in a time zone (``nextFire(after:in:)``). Each matching wall
/// time fires at most once: in the hour repeated when clocks go back, at its first occurrence;
/// a time skipped when clocks go forward fires when the gap ends (a daily 02:30 job runs at
/// 03:00 on that day), so a daily job never misses a day and never runs twice.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    public let expression: String
    let minutes: UInt64
    let hours: UInt64
    let days: UInt64
    let months: UInt64
    let weekdays: UInt64
    let daysRestricted: Bool
    let weekdaysRestricted: Bool

    public var description: String { expression }

    static let macros: [String: String] = [
        "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
    ]

    public init(_ expression: String) throws(CronScheduleError) {
        self.expression = expression
        let trimmed = expression.trimmingCharacters(in: .whitespacesAndNewlines)
        let text: String
        if trimmed.hasPrefix("@") {
            guard let expanded = Self.macros[trimmed.lowercased()] else {
                throw CronScheduleError(expression: expression, reason: "unknown macro (use @hourly, @daily, @weekly, @monthly or @yearly)")
            }
            text = expanded
        } else {
            text = trimmed
        }
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 5 else {
            throw CronScheduleError(expression: expression, reason: "expected 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)")
        }
        func parse(_ index: Int, _ field: CronField) throws(CronScheduleError) -> UInt64 {
            do {
                return try field.parse(fields[index])
            } catch {
                throw CronScheduleError(expression: expression, reason: "\(field.name) field \"\(fields[index])\": \(error.reason)")
            }
        }
        minutes = try parse(0, .minute)
        hours = try parse(1, .hour)
        days = try parse(2, .dayOfMonth)
        months = try parse(3, .month)
        var weekdays = try parse(4, .dayOfWeek)
        // 7 is another name for Sunday.
        if weekdays & (1 << 7) != 0 { weekdays = (weekdays | 1) & ~(1 << 7) }
        self.weekdays = weekdays
        daysRestricted = !fields[2].hasPrefix("*")
        weekdaysRestricted = !fields[4].hasPrefix("*")
    }

    /// The first run time strictly after `instant`, as wall-clock times in `zone` resolve to
    /// instants (see the type's documentation for clock changes); nil if the schedule never
    /// fires within nine years (such as `0 0 30 2 *`).
    public func nextFire(after instant: Date, in zone: TimeZone) -> Date? {
        var local = LocalDateTime(instant, in: zone)
        local.second = 0
        var cursor = Cursor(local)
        cursor.advanceMinute()
        let lastDay = cursor.dayNumber + 9 * 366
        while cursor.dayNumber <= lastDay {
            if !contains(months, cursor.month) {
                cursor.advanceMonth()
            } else if cursor.day > LocalDateTime.daysInMonth(year: cursor.year, month: cursor.month) {
                cursor.advanceMonth()
            } else if !dayMatches(cursor) {
                cursor.advanceDay()
            } else if !contains(hours, cursor.hour) {
                cursor.advanceHour()
            } else if !contains(minutes, cursor.minute) {
                cursor.advanceMinute()
            } else {
                let fire = zone.firstInstant(showing: cursor.local)
                // A wall time whose first occurrence is already past has fired (or was due) before.
                if fire > instant { return fire }
                cursor.advanceMinute()
            }
        }
        return nil
    }

    private func contains(_ set: UInt64, _ value: Int) -> Bool { set & (1 << UInt64(value)) != 0 }

    private func dayMatches(_ cursor: Cursor) -> Bool {
        let dayMatch = contains(days, cursor.day)
        let weekdayMatch = contains(weekdays, cursor.local.weekday)
        if daysRestricted && weekdaysRestricted { return dayMatch || weekdayMatch }
        return dayMatch && weekdayMatch
    }

    /// A wall-clock position that moves forward field by field.
    private struct Cursor {
        var year: Int
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int

        init(_ local: LocalDateTime) {
            year = local.year
            month = local.month
            day = local.day
            hour = local.hour
            minute = local.minute
        }

        var local: LocalDateTime { LocalDateTime(year: year, month: month, day: day, hour: hour, minute: minute) }
        var dayNumber: Int { LocalDateTime.days(year: year, month: month, day: min(day, 28)) }

        mutating func advanceMonth() {
            month += 1
            if month > 12 {
                month = 1
                year += 1
            }
            day = 1
            hour = 0
            minute = 0
        }

        mutating func advanceDay() {
            day += 1
            hour = 0
            minute = 0
            if day > LocalDateTime.daysInMonth(year: year, month: month) { advanceMonth() }
        }

        mutating func advanceHour() {
            hour += 1
            minute = 0
            if hour > 23 { advanceDay() }
        }

        mutating func advanceMinute() {
            minute += 1
            if minute > 59 { advanceHour() }
        }
    }
}
