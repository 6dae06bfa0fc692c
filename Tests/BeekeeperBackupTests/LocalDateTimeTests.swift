import Foundation
import Testing

@testable import BeekeeperBackup

@Suite("Wall-clock dates")
struct LocalDateTimeTests {
    @Test("ISO week-year and week, as date +%G%V prints them")
    func isoWeeks() {
        let cases: [((Int, Int, Int), (Int, Int))] = [
            ((2026, 1, 1), (2026, 1)),  // Thursday
            ((2026, 11, 22), (2026, 47)),
            ((2026, 12, 31), (2026, 53)),
            ((2027, 1, 1), (2026, 53)),  // Friday: still the last week of 2026
            ((2027, 1, 4), (2027, 1)),
            ((2024, 12, 30), (2025, 1)),  // Monday: already week 1 of 2025
            ((2021, 1, 3), (2020, 53)),
            ((2020, 2, 29), (2020, 9)),
        ]
        for ((year, month, day), (weekYear, week)) in cases {
            let date = LocalDateTime(year: year, month: month, day: day)
            #expect(date.isoWeek.year == weekYear && date.isoWeek.week == week, "\(date)")
        }
    }

    @Test("day numbers and weekdays round-trip over four centuries")
    func roundTrip() {
        #expect(LocalDateTime(year: 1970, month: 1, day: 1).dayNumber == 0)
        #expect(LocalDateTime(year: 2026, month: 11, day: 22).weekday == 0)  // a Sunday
        #expect(LocalDateTime(year: 2000, month: 2, day: 29).weekday == 2)  // a Tuesday
        var day = LocalDateTime.days(year: 1900, month: 1, day: 1)
        let end = LocalDateTime.days(year: 2300, month: 1, day: 1)
        var previous = LocalDateTime.civil(fromDays: day - 1)
        while day < end {
            let civil = LocalDateTime.civil(fromDays: day)
            #expect(LocalDateTime.days(year: civil.year, month: civil.month, day: civil.day) == day)
            let nextDayOfPrevious = previous.day == LocalDateTime.daysInMonth(year: previous.year, month: previous.month)
                ? (previous.month == 12 ? (previous.year + 1, 1, 1) : (previous.year, previous.month + 1, 1))
                : (previous.year, previous.month, previous.day + 1)
            if civil != nextDayOfPrevious { Issue.record("day \(day): \(civil) does not follow \(previous)") }
            previous = civil
            day += 1
        }
    }

    @Test("wall-clock readings in a zone, and stamps for file names")
    func stamps() {
        let moment = instant("2026-11-22T23:30:05Z")
        #expect(LocalDateTime(moment, in: zone("Europe/Berlin")).description == "2026-11-23T00:30:05")
        #expect(BackupDirectory.stamp(moment, .last, in: zone("Europe/Berlin")) == "20261123-003005")
        #expect(BackupDirectory.stamp(moment, .daily, in: zone("Europe/Berlin")) == "20261123")
        #expect(BackupDirectory.stamp(moment, .daily, in: zone("UTC")) == "20261122")
        #expect(BackupDirectory.stamp(moment, .weekly, in: zone("Europe/Berlin")) == "202648")
        #expect(BackupDirectory.stamp(moment, .weekly, in: zone("UTC")) == "202647")
        #expect(BackupDirectory.stamp(moment, .monthly, in: zone("America/New_York")) == "202611")
        #expect(LocalDateTime(instant("1969-12-31T23:59:59Z"), in: zone("UTC")).description == "1969-12-31T23:59:59")
    }

    @Test("timestamps round-trip through the manifest format")
    func timestamps() {
        let date = instant("2026-11-22T02:00:00.123Z")
        #expect(BackupTimestamp.format(date) == "2026-11-22T02:00:00.123Z")
        #expect(BackupTimestamp.parse(BackupTimestamp.format(date)) == date)
        #expect(BackupTimestamp.parse("2026-11-22T03:00:00+01:00") == instant("2026-11-22T02:00:00Z"))
        #expect(BackupTimestamp.parse("yesterday") == nil)
    }
}
