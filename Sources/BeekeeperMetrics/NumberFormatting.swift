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

    /// `sampleValue` appended as bytes; whole numbers (the usual counter) without a String in between.
    static func appendSampleValue(_ value: Double, to bytes: inout [UInt8]) {
        guard value == value.rounded(.towardZero), value.magnitude < 0x1p53 else {
            bytes.append(contentsOf: sampleValue(value).utf8)
            return
        }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = UInt64(value.magnitude)
        // At most 16 digits below 2^53; written backwards into a fixed buffer, then copied.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
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
