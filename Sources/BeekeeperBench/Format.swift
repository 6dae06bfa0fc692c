/// Number formatting for the tables, without Foundation: three significant digits, grouped thousands.
enum Format {
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "n/a" : (value > 0 ? "inf" : "-inf") }
        let magnitude = Swift.abs(value)
        if magnitude >= 1000 { return grouped(Int(value.rounded())) }
        let decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : magnitude >= 0.1 ? 3 : 4
        return fixed(value, decimals: decimals)
    }

    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "n/a" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((Swift.abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let fraction = String(scaled % Int(scale))
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(Swift.abs(value))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    static func bytes(_ count: Double) -> String {
        if count >= Double(1 << 20) { return number(count / Double(1 << 20)) + " MiB" }
        if count >= Double(1 << 10) { return number(count / Double(1 << 10)) + " KiB" }
        return number(count) + " B"
    }

    /// Nanoseconds in the most readable unit.
    static func duration(nanoseconds: Double) -> String {
        if nanoseconds >= 1e9 { return number(nanoseconds / 1e9) + " s" }
        if nanoseconds >= 1e6 { return number(nanoseconds / 1e6) + " ms" }
        if nanoseconds >= 1e3 { return number(nanoseconds / 1e3) + " µs" }
        return number(nanoseconds) + " ns"
    }
}
