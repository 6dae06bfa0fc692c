/// A log-linear histogram of durations in seconds, HDR style: each power of two from 2^-20 s (≈ 1 µs) to
/// 2^12 s (≈ 68 min) is split into 128 equal sub-buckets, so a bucket is at most 1/128 of its lower
/// bound wide and its midpoint is within 0.4 % of any value in it. Values below the range count in the
/// first bucket, values above it in the last (the window clamps estimates to the observed min and max).
///
/// Octaves get their 128 counters only when first used: latencies usually span a few octaves, so a
/// slice costs a few KiB, and never more than 32 × 128 × 4 bytes.
struct LogLinearHistogram {
    static let subBucketBits = 7
    static let subBuckets = 1 << subBucketBits
    static let octaves = 32
    static let minimumExponent = -20
    static let bucketCount = octaves * subBuckets

    /// Where each octave's counters start in `counts`; -1 while the octave is unused. Empty until the first add.
    private var octaveOffsets: [Int32] = []
    private var counts: [UInt32] = []

    /// The bucket of a duration in seconds; cheap enough for the recording path (no logarithm).
    static func bucketIndex(of seconds: Double) -> Int {
        guard seconds > 0 else { return 0 }  // zero, negative and NaN
        let exponent = Int(seconds.exponent)  // Int.max for +Inf: compare before any arithmetic
        if exponent < minimumExponent { return 0 }
        if exponent >= minimumExponent + octaves { return bucketCount - 1 }
        let octave = exponent - minimumExponent
        let subBucket = Int(seconds.significandBitPattern >> UInt64(Double.significandBitCount - subBucketBits))
        return (octave << subBucketBits) | subBucket
    }

    /// The midpoint of a bucket, the estimate for every value counted in it.
    static func midpoint(ofBucket index: Int) -> Double {
        let octave = index >> subBucketBits
        let subBucket = index & (subBuckets - 1)
        return Double(
            sign: .plus, exponent: octave + minimumExponent,
            significand: 1 + (Double(subBucket) + 0.5) / Double(subBuckets))
    }

    mutating func add(bucket index: Int) {
        if octaveOffsets.isEmpty {
            octaveOffsets = Array(repeating: -1, count: Self.octaves)
        }
        let octave = index >> Self.subBucketBits
        var offset = Int(octaveOffsets[octave])
        if offset < 0 {
            offset = counts.count
            octaveOffsets[octave] = Int32(offset)
            counts.append(contentsOf: repeatElement(0, count: Self.subBuckets))
        }
        counts[offset + (index & (Self.subBuckets - 1))] &+= 1
    }

    /// How many counters are allocated: 128 per octave used, at most `bucketCount`.
    var allocatedCounters: Int { counts.count }

    /// Empties the histogram; `keepingCapacity` keeps its storage for the next slice of a busy series.
    mutating func removeAll(keepingCapacity: Bool) {
        if keepingCapacity, !octaveOffsets.isEmpty {
            for octave in octaveOffsets.indices { octaveOffsets[octave] = -1 }
            counts.removeAll(keepingCapacity: true)
        } else {
            octaveOffsets = []
            counts = []
        }
    }

    /// Adds this histogram's counts into a flat array of `bucketCount` totals and marks the octaves touched.
    func merge(into totals: inout [UInt64], octaveMask: inout UInt32) {
        guard !octaveOffsets.isEmpty else { return }
        for octave in 0..<Self.octaves {
            let offset = Int(octaveOffsets[octave])
            guard offset >= 0 else { continue }
            octaveMask |= 1 << UInt32(octave)
            let base = octave << Self.subBucketBits
            for subBucket in 0..<Self.subBuckets {
                totals[base + subBucket] &+= UInt64(counts[offset + subBucket])
            }
        }
    }
}
