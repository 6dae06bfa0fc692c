import BeekeeperCore
import Testing

@Suite struct CivilCalendarTests {
    @Test func knownDays() {
        #expect(CivilCalendar.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilCalendar.days(year: 1969, month: 12, day: 31) == -1)
        #expect(CivilCalendar.days(year: 2000, month: 3, day: 1) == 11_017)
        #expect(CivilCalendar.days(year: 2024, month: 2, day: 29) == 19_782)
        #expect(CivilCalendar.date(fromDays: 20_414) == (2025, 11, 22))
        #expect(CivilCalendar.date(fromDays: -719_468) == (0, 3, 1))
    }

    /// Every day from 1600 to 2400 maps to the next date and back.
    @Test func roundTripIsContinuous() {
        var expected = (year: 1600, month: 1, day: 1)
        let first = CivilCalendar.days(year: 1600, month: 1, day: 1)
        for days in first..<CivilCalendar.days(year: 2400, month: 1, day: 1) {
            let date = CivilCalendar.date(fromDays: days)
            guard date == expected, CivilCalendar.days(year: date.year, month: date.month, day: date.day) == days else {
                Issue.record("day \(days): \(date), expected \(expected)")
                return
            }
            let leap = expected.year % 4 == 0 && (expected.year % 100 != 0 || expected.year % 400 == 0)
            let length = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][expected.month - 1]
            expected.day += 1
            if expected.day > length { (expected.day, expected.month) = (1, expected.month + 1) }
            if expected.month > 12 { (expected.month, expected.year) = (1, expected.year + 1) }
        }
    }

    @Test func floorDivisionRoundsDown() {
        #expect(CivilCalendar.floorDivide(7, 2) == 3)
        #expect(CivilCalendar.floorDivide(-7, 2) == -4)
        #expect(CivilCalendar.floorDivide(-8, 2) == -4)
    }
}
