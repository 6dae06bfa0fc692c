import BeekeeperCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// RFC 3339 timestamps in UTC with microseconds (`2026-11-22T10:00:00.123456Z`), the `ts` of
/// every record. Done by hand, not with a date formatter: it runs for every record on the
/// append path and must not depend on the locale or time zone database.
package enum AuditTimestamp {
    /// Wall-clock microseconds since the Unix epoch.
    package static func nowMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }

    package static func format(microseconds: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(27)
        append(microseconds: microseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the timestamp's 27 bytes (`2026-11-22T10:00:00.123456Z`) to `output`, for the
    /// audit writer, which builds every line as bytes.
    static func append(microseconds: Int64, to output: inout [UInt8]) {
        let seconds = floorDivide(microseconds, 1_000_000)
        let micros = microseconds - seconds * 1_000_000
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        append(year, width: 4, to: &output)
        output.append(0x2D)
        append(month, width: 2, to: &output)
        output.append(0x2D)
        append(day, width: 2, to: &output)
        output.append(0x54)
        append(secondOfDay / 3600, width: 2, to: &output)
        output.append(0x3A)
        append(secondOfDay / 60 % 60, width: 2, to: &output)
        output.append(0x3A)
        append(secondOfDay % 60, width: 2, to: &output)
        output.append(0x2E)
        append(micros, width: 6, to: &output)
        output.append(0x5A)
    }

    /// Parses RFC 3339 (`T` or space, optional fraction, `Z` or `±hh:mm`) to microseconds.
    static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ width: Int) -> Int64? {
            guard index + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<index + width] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            index += width
            return value
        }
        func expect(_ allowed: Set<UInt8>) -> Bool {
            guard index < bytes.count, allowed.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect([45]), let month = number(2), expect([45]), let day = number(2),
            expect([84, 116, 32]), let hour = number(2), expect([58]), let minute = number(2), expect([58]),
            let second = number(2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var micros: Int64 = 0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 6 { micros = micros * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offsetSeconds: Int64 = 0
        guard index < bytes.count else { return nil }
        if bytes[index] == 90 || bytes[index] == 122 {
            index += 1
        } else if bytes[index] == 43 || bytes[index] == 45 {
            let sign: Int64 = bytes[index] == 45 ? -1 : 1
            index += 1
            guard let offsetHours = number(2), expect([58]), let offsetMinutes = number(2) else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = days(fromCivil: year, month, day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return seconds * 1_000_000 + micros
    }

    /// `value` in decimal, zero-padded to at least `width` digits (a year past 9999 gets more;
    /// a negative one, before year 0, keeps its sign as String(value) would).
    private static func append(_ value: Int64, width: Int, to output: inout [UInt8]) {
        guard value >= 0 else {
            let digits = Array(String(value).utf8)
            if digits.count < width { output.append(contentsOf: repeatElement(0x30, count: width - digits.count)) }
            output.append(contentsOf: digits)
            return
        }
        var divisor: Int64 = 1
        var count = 1
        while divisor <= value / 10 {
            divisor *= 10
            count += 1
        }
        if count < width { output.append(contentsOf: repeatElement(0x30, count: width - count)) }
        var rest = value
        while divisor > 0 {
            output.append(0x30 + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        Int64(CivilCalendar.floorDivide(Int(value), Int(divisor)))
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let date = CivilCalendar.date(fromDays: Int(days))
        return (Int64(date.year), Int64(date.month), Int64(date.day))
    }

    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        Int64(CivilCalendar.days(year: Int(year), month: Int(month), day: Int(day)))
    }
}
