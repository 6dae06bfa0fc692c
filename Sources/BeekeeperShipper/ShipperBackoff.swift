/// The wait after the n-th consecutive failed shipment: exponential with "equal jitter", inside
/// `[initial, maximum]`. With d = min(initial · 2ⁿ, maximum), the wait is drawn uniformly from
/// [max(d/2, initial), d]: 1 s, 5 m gives 1–2 s, 2–4 s, 4–8 s ... up to 2.5–5 min. The fixed
/// half keeps a failing collector from being hammered; the random half keeps sidecars that lost
/// the same collector at the same moment from retrying in lockstep. It resets after a success.
public struct ShipperBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The bounds the wait after `failures` consecutive failures (≥ 1) is drawn from.
    public func bounds(afterFailures failures: Int) -> ClosedRange<Duration> {
        let initialSeconds = Self.seconds(initial)
        let maximumSeconds = Self.seconds(maximum)
        // 2^62 overflows nothing in Double and is past any sane maximum.
        let exponent = min(max(failures, 1), 62)
        let ceiling = min(initialSeconds * Double(sign: .plus, exponent: exponent, significand: 1), maximumSeconds)
        let floor = min(max(ceiling / 2, initialSeconds), ceiling)
        return Self.duration(floor)...Self.duration(ceiling)
    }

    public func delay(afterFailures failures: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterFailures: failures, using: &generator)
    }

    public func delay(afterFailures failures: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let range = bounds(afterFailures: failures)
        let low = Self.seconds(range.lowerBound)
        let high = Self.seconds(range.upperBound)
        guard high > low else { return range.lowerBound }
        let drawn = Self.duration(Double.random(in: low...high, using: &generator))
        // Rounding to nanoseconds must not step outside the promised bounds.
        return min(max(drawn, range.lowerBound), range.upperBound)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return max(0, Double(seconds) + Double(attoseconds) / 1e18)
    }

    static func duration(_ seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
