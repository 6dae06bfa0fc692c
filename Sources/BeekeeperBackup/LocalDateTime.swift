import BeekeeperCore
import Foundation

/// What a wall clock shows, without a time zone: the proleptic Gregorian calendar in plain
/// integer arithmetic (Howard Hinnant's days-from-civil), so that schedules and file names do
/// not depend on a `Calendar`'s locale settings.
struct LocalDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    var year: Int
    var month: Int
    var day: Int
    var hour = 0
    var minute = 0
    var second = 0

    init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The wall-clock reading of `instant` in `zone` (whole seconds, rounded down).
    init(_ instant: Date, in zone: TimeZone) {
        let seconds = Int64(instant.timeIntervalSince1970.rounded(.down))
        self.init(naiveSeconds: seconds + Int64(zone.secondsFromGMT(for: instant)))
    }

    /// From seconds since 1970-01-01T00:00:00 on the wall clock (as if the zone were UTC).
    init(naiveSeconds: Int64) {
        let days = Int(naiveSeconds >= 0 ? naiveSeconds / 86400 : (naiveSeconds - 86399) / 86400)
        let secondOfDay = Int(naiveSeconds - Int64(days) * 86400)
        let (year, month, day) = Self.civil(fromDays: days)
        self.init(year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60, second: secondOfDay % 60)
    }

    /// Seconds since 1970-01-01T00:00:00 on the wall clock (as if the zone were UTC).
    var naiveSeconds: Int64 {
        Int64(dayNumber) * 86400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Days since 1970-01-01.
    var dayNumber: Int { Self.days(year: year, month: month, day: day) }

    /// 0 = Sunday ... 6 = Saturday, as cron counts.
    var weekday: Int {
        let remainder = (dayNumber + 4) % 7  // 1970-01-01 was a Thursday
        return remainder < 0 ? remainder + 7 : remainder
    }

    /// ISO 8601 week-numbering year and week (weeks start on Monday; week 1 holds the year's
    /// first Thursday), as `date +%G%V` prints them.
    var isoWeek: (year: Int, week: Int) {
        let isoWeekday = weekday == 0 ? 7 : weekday
        let thursday = dayNumber - isoWeekday + 4
        let thursdayYear = Self.civil(fromDays: thursday).year
        let dayOfYear = thursday - Self.days(year: thursdayYear, month: 1, day: 1)
        return (thursdayYear, dayOfYear / 7 + 1)
    }

    static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool { lhs.naiveSeconds < rhs.naiveSeconds }

    /// `2026-11-22T02:30:00`
    var description: String {
        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
    }

    static func isLeapYear(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func days(year: Int, month: Int, day: Int) -> Int { CivilCalendar.days(year: year, month: month, day: day) }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) { CivilCalendar.date(fromDays: days) }
}

/// Zero-padded decimal, for fixed-width stamps.
func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
