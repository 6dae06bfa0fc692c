@testable import BeekeeperMetrics
import Testing

@Suite struct NumberFormattingTests {
    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (1, "1"), (42, "42"), (-7, "-7"), (1_000_000, "1000000"),
        (9_007_199_254_740_991, "9007199254740991"), (0x1p53, "9.007199254740992e+15"),
        (0.5, "0.5"), (0.1 + 0.2, "0.30000000000000004"), (1e-5, "1e-05"), (0.0001, "0.0001"),
        (123456.7, "123456.7"), (1234567.5, "1.2345675e+06"), (-2.5, "-2.5"), (1e21, "1e+21"),
        (.greatestFiniteMagnitude, "1.7976931348623157e+308"), (.leastNonzeroMagnitude, "5e-324"),
        (.nan, "NaN"), (.infinity, "+Inf"), (-.infinity, "-Inf"),
    ])
    func sampleValues(value: Double, expected: String) {
        #expect(NumberFormatting.sampleValue(value) == expected)
    }

    @Test func sampleValuesRoundTrip() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let text = NumberFormatting.sampleValue(value)
            #expect(Double(text) == value, "\(value) written as \(text)")
            if Double(text) != value { return }
        }
    }

    /// The canonical renderings the OpenMetrics spec lists, and Go's for the 0.0.4 format.
    @Test(arguments: [
        (0.0, "0", "0.0"), (0.001, "0.001", "0.001"), (0.01, "0.01", "0.01"), (0.9, "0.9", "0.9"),
        (0.95, "0.95", "0.95"), (0.999, "0.999", "0.999"), (1, "1", "1.0"), (1.7, "1.7", "1.7"), (10, "10", "10.0"),
        (1e-10, "1e-10", "1e-10"), (1e-9, "1e-09", "1e-09"), (1e-5, "1e-05", "1e-05"), (0.0001, "0.0001", "0.0001"),
        (100_000, "100000", "100000.0"), (1e6, "1e+06", "1e+06"), (1e10, "1e+10", "1e+10"),
        (2.5, "2.5", "2.5"), (60, "60", "60.0"), (.infinity, "+Inf", "+Inf"),
    ])
    func labelValues(value: Double, text: String, openMetrics: String) {
        #expect(NumberFormatting.labelValue(value, format: .prometheusText) == text)
        #expect(NumberFormatting.labelValue(value, format: .openMetrics) == openMetrics)
    }
}

@Suite struct DecimalWriterTests {
    @Test func writesTheDigitsStringWrites() {
        var values: [UInt64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 12_345, 9_007_199_254_740_991, .max, .max - 1]
        var power: UInt64 = 1
        for _ in 0..<19 {
            power *= 10
            values += [power - 1, power, power + 1]
        }
        var generator = SplitMix64(seed: 11)
        for _ in 0..<1000 { values.append(generator.next() >> (generator.next() % 64)) }
        for value in values {
            let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
                let end = NumberFormatting.writeDecimal(value, at: buffer.baseAddress!)
                return String(decoding: UnsafeBufferPointer(start: buffer.baseAddress!, count: end - buffer.baseAddress!), as: UTF8.self)
            }
            #expect(written == String(value))
        }
    }

    @Test(arguments: [
        0.0, -0.0, 7, -7, 1e15, -0x1p53 + 1, 0x1p53, 0.25, -1e-5, 1.5e300, -2.2250738585072014e-308, -4.9406564584124654e-324, .nan,
        .infinity, -.infinity,
    ])
    func writesWhatSampleValueSpells(value: Double) {
        let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: NumberFormatting.maxSampleValueBytes) { buffer in
            let end = NumberFormatting.writeSampleValue(value, at: buffer.baseAddress!)
            return String(decoding: UnsafeBufferPointer(start: buffer.baseAddress!, count: end - buffer.baseAddress!), as: UTF8.self)
        }
        #expect(written == NumberFormatting.sampleValue(value))
    }
}
