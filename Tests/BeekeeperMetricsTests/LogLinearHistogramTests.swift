@testable import BeekeeperMetrics
import Foundation
import Testing

@Suite struct LogLinearHistogramTests {
    @Test func midpointsAreWithinHalfABucketOfEveryValueInRange() {
        var generator = SplitMix64(seed: 3)
        for _ in 0..<200_000 {
            // Log-uniform over [2^-20, 2^12) seconds, the covered range.
            let unit = Double(generator.next() >> 11) * 0x1p-53
            let value = exp2(-20 + 32 * unit)
            guard value >= 0x1p-20, value < 0x1p12 else { continue }
            let midpoint = LogLinearHistogram.midpoint(ofBucket: LogLinearHistogram.bucketIndex(of: value))
            #expect(abs(midpoint - value) / value <= 1.0 / 256, "\(value) → \(midpoint)")
        }
    }

    @Test func bucketsAreOrderedAndClamped() {
        #expect(LogLinearHistogram.bucketIndex(of: 0) == 0)
        #expect(LogLinearHistogram.bucketIndex(of: -1) == 0)
        #expect(LogLinearHistogram.bucketIndex(of: .nan) == 0)
        #expect(LogLinearHistogram.bucketIndex(of: 1e-9) == 0)
        #expect(LogLinearHistogram.bucketIndex(of: .infinity) == LogLinearHistogram.bucketCount - 1)
        #expect(LogLinearHistogram.bucketIndex(of: 1e6) == LogLinearHistogram.bucketCount - 1)
        var previous = 0
        var value = 1e-6
        while value < 3600 {
            let index = LogLinearHistogram.bucketIndex(of: value)
            #expect(index >= previous)
            previous = index
            value *= 1.001
        }
    }

    @Test func storageIsBoundedAndReleased() {
        var histogram = LogLinearHistogram()
        #expect(histogram.allocatedCounters == 0)
        for _ in 0..<1000 { histogram.add(bucket: LogLinearHistogram.bucketIndex(of: 0.1)) }
        #expect(histogram.allocatedCounters == 128)  // one octave
        var value = 1e-9
        while value < 1e9 {
            histogram.add(bucket: LogLinearHistogram.bucketIndex(of: value))
            value *= 1.01
        }
        #expect(histogram.allocatedCounters == LogLinearHistogram.bucketCount)
        var totals = [UInt64](repeating: 0, count: LogLinearHistogram.bucketCount)
        var mask: UInt32 = 0
        histogram.merge(into: &totals, octaveMask: &mask)
        #expect(mask == .max)
        #expect(totals[LogLinearHistogram.bucketIndex(of: 0.1)] >= 1000)
        histogram.removeAll(keepingCapacity: false)
        #expect(histogram.allocatedCounters == 0)
    }
}
