#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A deterministic generator (SplitMix64), so every run measures the same data.
struct RandomSource: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in (0, 1).
    mutating func unit() -> Double {
        (Double(next() >> 11) + 0.5) / Double(1 << 53)
    }

    /// Log-normal latency in seconds: `median × e^(sigma × N(0,1))`, the usual shape of task latencies.
    mutating func latency(median: Double, sigma: Double) -> Double {
        let u1 = unit()
        let u2 = unit()
        let normal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        return median * exp(sigma * normal)
    }

    /// An RFC 4122 version-4 UUID string.
    mutating func uuid() -> String {
        let hex = Array("0123456789abcdef")
        var out = ""
        for index in 0..<32 {
            if index == 8 || index == 12 || index == 16 || index == 20 { out += "-" }
            let nibble: Int
            switch index {
            case 12: nibble = 4
            case 16: nibble = 8 | Int(next() & 3)
            default: nibble = Int(next() & 15)
            }
            out.append(hex[nibble])
        }
        return out
    }
}
