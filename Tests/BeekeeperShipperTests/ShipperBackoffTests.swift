import BeekeeperShipper
import Testing

@Suite struct ShipperBackoffTests {
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func boundsDoubleFromInitialAndStopAtTheMaximum() {
        let backoff = ShipperBackoff(initial: .seconds(1), maximum: .seconds(300))
        #expect(backoff.bounds(afterFailures: 1) == .seconds(1) ... .seconds(2))
        #expect(backoff.bounds(afterFailures: 2) == .seconds(2) ... .seconds(4))
        #expect(backoff.bounds(afterFailures: 3) == .seconds(4) ... .seconds(8))
        #expect(backoff.bounds(afterFailures: 8) == .seconds(128) ... .seconds(256))
        #expect(backoff.bounds(afterFailures: 9) == .seconds(150) ... .seconds(300))
        #expect(backoff.bounds(afterFailures: 1000) == .seconds(150) ... .seconds(300))
        #expect(backoff.bounds(afterFailures: Int.max) == .seconds(150) ... .seconds(300))
    }

    @Test("every delay lies within [initial_backoff, max_backoff] and within its step's bounds", arguments: [
        (Duration.seconds(1), Duration.seconds(300)), (.milliseconds(100), .milliseconds(500)), (.seconds(2), .seconds(2)),
        (.milliseconds(50), .seconds(60)),
    ])
    func delaysStayInBounds(initial: Duration, maximum: Duration) {
        let backoff = ShipperBackoff(initial: initial, maximum: maximum)
        var generator = SeededGenerator(state: 42)
        for failures in 1...40 {
            let bounds = backoff.bounds(afterFailures: failures)
            #expect(bounds.lowerBound >= initial && bounds.upperBound <= maximum)
            for _ in 0..<50 {
                let delay = backoff.delay(afterFailures: failures, using: &generator)
                #expect(bounds.contains(delay), "failure \(failures): \(delay) outside \(bounds)")
            }
        }
    }

    @Test func delaysAreJitteredAndGrow() {
        let backoff = ShipperBackoff(initial: .milliseconds(100), maximum: .seconds(60))
        var generator = SeededGenerator(state: 7)
        let first = (0..<200).map { _ in backoff.delay(afterFailures: 1, using: &generator) }
        #expect(Set(first).count > 150, "no jitter: \(Set(first).count) distinct delays of 200")
        let fifth = (0..<200).map { _ in backoff.delay(afterFailures: 5, using: &generator) }
        #expect(fifth.min()! > first.max()!)
    }

    @Test func aMaximumBelowTheInitialIsRaisedToIt() {
        let backoff = ShipperBackoff(initial: .seconds(5), maximum: .seconds(1))
        #expect(backoff.maximum == .seconds(5))
        #expect(backoff.delay(afterFailures: 3) == .seconds(5))
    }
}
