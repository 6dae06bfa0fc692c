import Synchronization

/// One histogram series: a handle from `HistogramFamily.labels(...)`.
public final class Histogram: Sendable {
    private struct State {
        var counts: [UInt64]  // per bucket, not cumulative; the last one is +Inf
        var sum = 0.0
    }

    /// Finite upper bounds, ascending; `+Inf` is implied.
    let upperBounds: [Double]
    // A lock rather than atomics so a scrape sees `_count` equal to the `+Inf` bucket.
    private let state: Mutex<State>

    init(upperBounds: [Double]) {
        self.upperBounds = upperBounds
        self.state = Mutex(State(counts: Array(repeating: 0, count: upperBounds.count + 1)))
    }

    /// Counts `value` in the first bucket whose upper bound is at least `value`. NaN is ignored.
    public func observe(_ value: Double) {
        guard !value.isNaN else { return }
        var low = 0
        var high = upperBounds.count
        while low < high {
            let middle = (low + high) / 2
            if value <= upperBounds[middle] { high = middle } else { low = middle + 1 }
        }
        state.withLock {
            $0.counts[low] &+= 1
            $0.sum += value
        }
    }

    /// Observes a duration in seconds.
    public func observe(_ duration: Duration) {
        observe(duration.seconds)
    }

    /// Cumulative counts per bucket (the last is `+Inf`, equal to the count), the count and the sum.
    func snapshot() -> (cumulative: [UInt64], count: UInt64, sum: Double) {
        let (counts, sum) = state.withLock { ($0.counts, $0.sum) }
        var cumulative: [UInt64] = []
        cumulative.reserveCapacity(counts.count)
        var running: UInt64 = 0
        for count in counts {
            running &+= count
            cumulative.append(running)
        }
        return (cumulative, running, sum)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
