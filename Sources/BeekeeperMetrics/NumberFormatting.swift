/// How numbers are spelled in the exposition.
enum NumberFormatting {
    /// Sample values: `NaN`, `+Inf`, `-Inf`; whole numbers below 2^53 as plain integers (`1000000`, not
    /// `1e+06`); anything else as the shortest round-tripping decimal in Go's `%g` style (`0.25`, `1e-05`,
    /// `1.23456789e+08`), which every Prometheus and OpenMetrics parser reads.
    static func sampleValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(.towardZero), value.magnitude < 0x1p53 {
            return String(Int64(value))
        }
        return goStyle(value)
    }

    /// The most bytes `sampleValue` spells: `-2.2250738585072014e-308` is 24.
    static let maxSampleValueBytes = 24

    /// `sampleValue` written at `cursor` (room for `maxSampleValueBytes`); returns the position after
    /// it. Whole numbers, the usual counter and gauge, are written as digits without a String.
    static func writeSampleValue(_ value: Double, at cursor: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        if value == value.rounded(.towardZero), value.magnitude < 0x1p53 {
            var cursor = cursor
            if value < 0 {
                cursor.initialize(to: UInt8(ascii: "-"))
                cursor += 1
            }
            return writeDecimal(UInt64(value.magnitude), at: cursor)
        }
        var text = sampleValue(value)
        return text.withUTF8 { utf8 in
            precondition(utf8.count <= maxSampleValueBytes, "sample value \(value) spelled in \(utf8.count) bytes")
            cursor.initialize(from: utf8.baseAddress!, count: utf8.count)
            return cursor + utf8.count
        }
    }

    /// The decimal digits of `value` written at `cursor` (room for 20 bytes); returns the position
    /// after them. Two digits per division, from a table, as most integer printers do.
    static func writeDecimal(_ value: UInt64, at cursor: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var digits = 1
        var power: UInt64 = 10
        while digits < 20, value >= power {
            digits += 1
            power &*= 10
        }
        let end = cursor + digits
        var position = end
        var rest = value
        // A StaticString's bytes are a constant in the binary: no lazy global or bounds check here.
        let pairs = digitPairs.utf8Start
        while rest >= 100 {
            let pair = Int(rest % 100) &* 2
            rest /= 100
            position -= 2
            position.initialize(to: pairs[pair])
            (position + 1).initialize(to: pairs[pair + 1])
        }
        if rest >= 10 {
            let pair = Int(rest) &* 2
            position -= 2
            position.initialize(to: pairs[pair])
            (position + 1).initialize(to: pairs[pair + 1])
        } else {
            position -= 1
            position.initialize(to: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest))
        }
        return end
    }

    /// "00" "01" … "99" back to back.
    private static var digitPairs: StaticString {
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
    }

    /// `le` and `quantile` label values. Both formats use Go's shortest `%g` (as client_golang does);
    /// OpenMetrics' canonical form also appends `.0` to whole numbers (`1.0`, `10.0`, but `1e+06`).
    static func labelValue(_ value: Double, format: ExpositionFormat) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        let text = goStyle(value)
        if format == .openMetrics, !text.utf8.contains(UInt8(ascii: ".")), !text.utf8.contains(UInt8(ascii: "e")) {
            return text + ".0"
        }
        return text
    }

    /// Go's `strconv.FormatFloat(value, 'g', -1, 64)` for finite values: the shortest digits that round-trip,
    /// in exponent form when the decimal exponent is below -4 or at least 6.
    static func goStyle(_ value: Double) -> String {
        precondition(value.isFinite)
        if value == 0 { return "0" }
        let (digits, pointPosition) = shortestDigits(value.magnitude)
        let sign = value < 0 ? "-" : ""
        let exponent = pointPosition - 1
        if exponent < -4 || exponent >= 6 {
            var mantissa = String(digits.first!)
            if digits.count > 1 { mantissa += "." + digits.dropFirst() }
            let exponentDigits = String(exponent.magnitude)
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (exponentDigits.count < 2 ? "0" : "") + exponentDigits
        }
        if pointPosition <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
        }
        if pointPosition >= digits.count {
            return sign + digits + String(repeating: "0", count: pointPosition - digits.count)
        }
        let split = digits.index(digits.startIndex, offsetBy: pointPosition)
        return sign + digits[..<split] + "." + digits[split...]
    }

    /// The shortest round-tripping significant digits of a positive finite value, without leading or
    /// trailing zeros, and where the decimal point goes: value = 0.DIGITS × 10^pointPosition.
    /// Swift's `description` already finds the shortest digits; this only reads them back out.
    private static func shortestDigits(_ value: Double) -> (digits: String, pointPosition: Int) {
        let text = value.description  // "0.005", "1e-05", "100000.0", "1.2345e+16"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...].replacingPlus()) ?? 0
        }
        let integerPart: Substring
        let fractionPart: Substring
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        } else {
            integerPart = mantissa
            fractionPart = ""
        }
        var digits = Array((integerPart + fractionPart).utf8)
        var pointPosition = integerPart.count + exponent
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (String(decoding: digits, as: UTF8.self), pointPosition)
    }
}

extension Substring {
    fileprivate func replacingPlus() -> Substring {
        first == "+" ? dropFirst() : self
    }
}
