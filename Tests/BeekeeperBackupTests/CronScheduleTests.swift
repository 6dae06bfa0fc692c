import Foundation
import Testing

@testable import BeekeeperBackup

/// Instants from RFC 3339 text, and back, for readable expectations.
func instant(_ text: String) -> Date {
    guard let date = BackupTimestamp.parse(text) else { fatalError("bad instant \(text)") }
    return date
}

func utc(_ date: Date?) -> String {
    guard let date else { return "nil" }
    return String(BackupTimestamp.format(date).dropLast(5)) + "Z"
}

func zone(_ identifier: String) -> TimeZone {
    guard let zone = TimeZone(identifier: identifier) else { fatalError("no time zone \(identifier)") }
    return zone
}

extension CronSchedule {
    /// The next `count` run times after `start`.
    func fires(after start: String, count: Int, in zone: TimeZone) -> [String] {
        var result: [String] = []
        var cursor = instant(start)
        for _ in 0..<count {
            guard let next = nextFire(after: cursor, in: zone) else { break }
            result.append(utc(next))
            cursor = next
        }
        return result
    }
}

@Suite("Cron schedules")
struct CronScheduleTests {
    let utcZone = zone("UTC")

    @Test("rejects malformed expressions with the field and reason")
    func rejects() {
        let cases: [(String, String)] = [
            ("* * * *", "expected 5 fields"),
            ("60 * * * *", "minute field \"60\": 60 is outside 0-59"),
            ("* 24 * * *", "hour field"),
            ("* * 0 * *", "day of month field"),
            ("* * * 13 *", "month field"),
            ("* * * * 8", "day of week field"),
            ("5-1 * * * *", "runs backwards"),
            ("*/0 * * * *", "invalid step"),
            ("* * * foo *", "\"foo\" is not a month"),
            ("1/2/3 * * * *", "more than one"),
            ("@reboot", "unknown macro"),
            ("1,,2 * * * *", "is not a minute"),
        ]
        for (expression, reason) in cases {
            #expect(throws: CronScheduleError.self, "\(expression)") { try CronSchedule(expression) }
            do {
                _ = try CronSchedule(expression)
            } catch {
                #expect(error.description.contains(reason), "\(expression): \(error)")
            }
        }
    }

    @Test("lists, ranges, steps and names")
    func fields() throws {
        #expect(try CronSchedule("*/15 * * * *").fires(after: "2026-11-22T10:07:30Z", count: 3, in: utcZone)
            == ["2026-11-22T10:15:00Z", "2026-11-22T10:30:00Z", "2026-11-22T10:45:00Z"])
        // Strictly after: a run time equal to the instant is not "next".
        #expect(try CronSchedule("0 2 * * *").fires(after: "2026-11-22T02:00:00Z", count: 1, in: utcZone) == ["2026-11-23T02:00:00Z"])
        #expect(try CronSchedule("5/20 1-10/3 * * *").fires(after: "2026-11-22T00:00:00Z", count: 5, in: utcZone)
            == ["2026-11-22T01:05:00Z", "2026-11-22T01:25:00Z", "2026-11-22T01:45:00Z", "2026-11-22T04:05:00Z", "2026-11-22T04:25:00Z"])
        #expect(try CronSchedule("0 9 * JAN-mar Mon-Fri").fires(after: "2026-11-22T00:00:00Z", count: 2, in: utcZone)
            == ["2027-01-01T09:00:00Z", "2027-01-04T09:00:00Z"])  // 2027-01-01 is a Friday
        #expect(try CronSchedule("30 4 1,15 * *").fires(after: "2026-11-22T00:00:00Z", count: 3, in: utcZone)
            == ["2026-12-01T04:30:00Z", "2026-12-15T04:30:00Z", "2027-01-01T04:30:00Z"])
        // 7 and 0 are both Sunday; 2026-11-22 is a Sunday.
        #expect(try CronSchedule("0 0 * * 7").fires(after: "2026-11-21T12:00:00Z", count: 1, in: utcZone) == ["2026-11-22T00:00:00Z"])
        #expect(try CronSchedule("0 0 * * 5-7").fires(after: "2026-11-19T12:00:00Z", count: 3, in: utcZone)
            == ["2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"])
    }

    @Test("macros")
    func macros() throws {
        let start = "2026-11-22T10:07:00Z"
        #expect(try CronSchedule("@hourly").fires(after: start, count: 1, in: utcZone) == ["2026-11-22T11:00:00Z"])
        #expect(try CronSchedule("@daily").fires(after: start, count: 1, in: utcZone) == ["2026-11-23T00:00:00Z"])
        #expect(try CronSchedule("@midnight").fires(after: start, count: 1, in: utcZone) == ["2026-11-23T00:00:00Z"])
        #expect(try CronSchedule("@weekly").fires(after: start, count: 1, in: utcZone) == ["2026-11-29T00:00:00Z"])
        #expect(try CronSchedule("@monthly").fires(after: start, count: 1, in: utcZone) == ["2026-12-01T00:00:00Z"])
        #expect(try CronSchedule("@yearly").fires(after: start, count: 1, in: utcZone) == ["2027-01-01T00:00:00Z"])
        #expect(try CronSchedule(" @Annually ").fires(after: start, count: 1, in: utcZone) == ["2027-01-01T00:00:00Z"])
    }

    @Test("both day fields restricted: either matches; one starred: both must")
    func dayOfMonthOrDayOfWeek() throws {
        // Fridays and the 13th: 2026-11-13 is a Friday the 13th, 2026-12-13 a Sunday.
        #expect(try CronSchedule("0 0 13 * fri").fires(after: "2026-11-01T00:00:00Z", count: 7, in: utcZone) == [
            "2026-11-06T00:00:00Z", "2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z", "2026-11-27T00:00:00Z",
            "2026-12-04T00:00:00Z", "2026-12-11T00:00:00Z", "2026-12-13T00:00:00Z",
        ])
        // A field starting with * counts as unrestricted (Vixie cron): odd days that are Mondays.
        let oddMondays = try CronSchedule("0 0 */2 * mon").fires(after: "2026-11-01T00:00:00Z", count: 4, in: utcZone)
        #expect(oddMondays == ["2026-11-09T00:00:00Z", "2026-11-23T00:00:00Z", "2026-12-07T00:00:00Z", "2026-12-21T00:00:00Z"])
        #expect(try CronSchedule("0 0 1 * *").fires(after: "2026-11-01T00:00:00Z", count: 1, in: utcZone) == ["2026-12-01T00:00:00Z"])
    }

    @Test("February 29 comes every four years; an impossible date never")
    func leapDay() throws {
        #expect(try CronSchedule("0 12 29 2 *").fires(after: "2026-03-01T00:00:00Z", count: 2, in: utcZone)
            == ["2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"])
        // 2100 is not a leap year: from 2097 the next is 2104.
        #expect(try CronSchedule("0 0 29 feb *").fires(after: "2097-01-01T00:00:00Z", count: 1, in: utcZone) == ["2104-02-29T00:00:00Z"])
        #expect(try CronSchedule("0 0 30 2 *").nextFire(after: instant("2026-01-01T00:00:00Z"), in: utcZone) == nil)
        #expect(try CronSchedule("0 0 31 4,6 *").nextFire(after: instant("2026-01-01T00:00:00Z"), in: utcZone) == nil)
        // Month lengths are respected: the 31st only in long months.
        #expect(try CronSchedule("0 0 31 * *").fires(after: "2026-01-31T00:00:00Z", count: 2, in: utcZone)
            == ["2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z"])
    }

    @Test("Europe/Berlin spring forward: a skipped 02:30 runs once at 03:00 CEST")
    func berlinSpringForward() throws {
        let berlin = zone("Europe/Berlin")
        // 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00 UTC).
        #expect(try CronSchedule("30 2 * * *").fires(after: "2026-03-27T12:00:00Z", count: 3, in: berlin)
            == ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"])
        // Hourly: 01:00 CET, then 02:00 (skipped) at the gap's end 03:00 CEST, then 04:00 CEST.
        #expect(try CronSchedule("0 * * * *").fires(after: "2026-03-28T23:30:00Z", count: 3, in: berlin)
            == ["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"])
        #expect(try CronSchedule("15 3 * * *").fires(after: "2026-03-28T12:00:00Z", count: 1, in: berlin) == ["2026-03-29T01:15:00Z"])
    }

    @Test("Europe/Berlin fall back: a repeated 02:30 runs once, at its first occurrence")
    func berlinFallBack() throws {
        let berlin = zone("Europe/Berlin")
        // 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00 UTC); 02:00-02:59 happens twice.
        #expect(try CronSchedule("30 2 * * *").fires(after: "2026-10-24T12:00:00Z", count: 2, in: berlin)
            == ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"])
        // Hourly: 02:00 CEST, then 03:00 CET; the second 02:00 does not run again.
        #expect(try CronSchedule("0 * * * *").fires(after: "2026-10-24T23:30:00Z", count: 2, in: berlin)
            == ["2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"])
        // From inside the second pass: what already ran in the first does not run again.
        #expect(try CronSchedule("*/15 * * * *").fires(after: "2026-10-25T01:10:00Z", count: 1, in: berlin) == ["2026-10-25T02:00:00Z"])
        #expect(try CronSchedule("30 2 * * *").fires(after: "2026-10-25T01:10:00Z", count: 1, in: berlin) == ["2026-10-26T01:30:00Z"])
    }

    @Test("America/New_York: both clock changes")
    func newYork() throws {
        let newYork = zone("America/New_York")
        // 2026-03-08: 02:00 EST becomes 03:00 EDT (07:00 UTC).
        #expect(try CronSchedule("30 2 * * *").fires(after: "2026-03-06T12:00:00Z", count: 3, in: newYork)
            == ["2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"])
        // 2026-11-01: 02:00 EDT becomes 01:00 EST (06:00 UTC); 01:30 happens twice, runs once.
        #expect(try CronSchedule("30 1 * * *").fires(after: "2026-10-31T12:00:00Z", count: 2, in: newYork)
            == ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"])
        #expect(try CronSchedule("0 0 * * *").fires(after: "2026-10-31T12:00:00Z", count: 3, in: newYork)
            == ["2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", "2026-11-03T05:00:00Z"])
    }

    @Test("agrees with a minute-by-minute scan (UTC and Asia/Kolkata's half-hour offset)")
    func bruteForce() throws {
        let expressions = ["*/7 3-5 * * mon,wed", "0,30 */6 1-10 * *", "45 23 * * 0", "0 12 1 */3 *", "17 * 13 * fri"]
        for zoneName in ["UTC", "Asia/Kolkata"] {
            let zone = zone(zoneName)
            for expression in expressions {
                let schedule = try CronSchedule(expression)
                var expected: [String] = []
                var minute = instant("2026-11-01T00:00:00Z")
                let end = instant("2027-03-01T00:00:00Z")
                while minute < end, expected.count < 40 {
                    minute += 60
                    if schedule.matchesScan(LocalDateTime(minute, in: zone)) { expected.append(utc(minute)) }
                }
                let actual = schedule.fires(after: "2026-11-01T00:00:00Z", count: expected.count, in: zone)
                #expect(actual == expected, "\(expression) in \(zoneName)")
            }
        }
    }
}

extension CronSchedule {
    /// Independent of `nextFire`: whether a wall-clock minute matches, by the Vixie rules.
    func matchesScan(_ local: LocalDateTime) -> Bool {
        let fields = (expression.hasPrefix("@") ? CronSchedule.macros[expression]! : expression).split(separator: " ")
        func has(_ set: UInt64, _ value: Int) -> Bool { set & (1 << UInt64(value)) != 0 }
        let day = has(days, local.day)
        let weekday = has(weekdays, local.weekday)
        let dayMatches = !fields[2].hasPrefix("*") && !fields[4].hasPrefix("*") ? (day || weekday) : (day && weekday)
        return has(minutes, local.minute) && has(hours, local.hour) && has(months, local.month) && dayMatches
    }
}
