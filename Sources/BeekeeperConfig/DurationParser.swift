/// Durations as the configuration spells them: a number and a unit, `500ms`, `10s`, `5m`, `24h`,
/// `7d`, also `1.5s` and Go-style sums such as `1h30m`. A bare number is rejected because its unit
/// would be a guess.
public enum DurationParser {
    /// Units from the largest down, in nanoseconds; `format` picks the first that divides exactly.
    private static let units: [(name: String, nanoseconds: Int64)] = [
        ("d", 86_400_000_000_000),
        ("h", 3_600_000_000_000),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
        ("us", 1_000),
        ("ns", 1),
    ]

    /// The duration, or nil when `text` is not a non-negative number with a unit
    /// (`ns`, `us`, `ms`, `s`, `m`, `h`, `d`) or does not fit in 292 years.
    public static func parse(_ text: String) -> Duration? {
        var rest = Substring(text.trimmingWhitespace())
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        while !rest.isEmpty {
            let whole = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(whole.count)
            var fraction: Substring = ""
            if rest.first == "." {
                rest = rest.dropFirst()
                fraction = rest.prefix(while: \.isASCIIDigit)
                rest = rest.dropFirst(fraction.count)
                guard !fraction.isEmpty else { return nil }
            }
            guard !whole.isEmpty || !fraction.isEmpty else { return nil }
            let unitName = rest.prefix(while: { $0.isLetter || $0 == "µ" })
            rest = rest.dropFirst(unitName.count)
            let name = unitName == "µs" ? "us" : String(unitName)
            guard let unit = units.first(where: { $0.name == name })?.nanoseconds,
                  let part = nanoseconds(whole: whole, fraction: fraction, unit: unit)
            else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(part)
            guard !overflow else { return nil }
            total = sum
        }
        return .nanoseconds(total)
    }

    /// The shortest exact spelling in one unit: `.seconds(300)` is `5m`, `.milliseconds(1500)` is `1500ms`.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (nanos, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        guard !overflow, !overflow2 else { return "\(seconds)s" }
        if nanos == 0 { return "0s" }
        let sign = nanos < 0 ? "-" : ""
        let magnitude = nanos.magnitude
        for unit in units where magnitude % UInt64(unit.nanoseconds) == 0 {
            return "\(sign)\(magnitude / UInt64(unit.nanoseconds))\(unit.name)"
        }
        return "\(sign)\(magnitude)ns"
    }

    private static func nanoseconds(whole: Substring, fraction: Substring, unit: Int64) -> Int64? {
        var value: Int64 = 0
        for digit in whole {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(digit.asciiValue! - 48))
            guard !o1, !o2 else { return nil }
            value = next
        }
        let (scaled, overflow) = value.multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        guard !fraction.isEmpty else { return scaled }
        // Eighteen digits are more than a nanosecond's precision for any unit here.
        let digits = fraction.prefix(18)
        guard let numerator = Int64(digits) else { return nil }
        var denominator: Double = 1
        for _ in digits { denominator *= 10 }
        let part = Int64((Double(numerator) / denominator * Double(unit)).rounded())
        let (sum, o3) = scaled.addingReportingOverflow(part)
        return o3 ? nil : sum
    }
}
