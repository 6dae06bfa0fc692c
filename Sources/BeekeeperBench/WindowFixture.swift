import BeekeeperMetrics

/// Latency windows shaped like a busy sidecar's: `series` (bee, funcname) pairs, each with
/// `samplesPerSeries` log-normal latencies spread evenly over all 12 slices of a 60 s window,
/// registered in a registry of their own. The raw samples are kept for the exact baseline.
final class WindowFixture: Sendable {
    static let quantiles = [0.5, 0.9, 0.95, 0.99]

    let clock = ManualClock()
    let windows: LatencyWindows
    let registry = MetricsRegistry()
    let keys: [Key]
    /// Every sample of each series, in `keys` order.
    let samples: [[Double]]

    struct Key: Hashable, Sendable {
        var bee: String
        var funcname: String
    }

    init(series: Int, samplesPerSeries: Int, seed: UInt64 = 42) {
        windows = LatencyWindows(window: .seconds(60), quantiles: Self.quantiles, clock: clock)
        windows.register(in: registry)
        keys = (0..<series).map { Key(bee: "bee-\($0 / 10)", funcname: "func_\($0 % 10)") }
        var random = RandomSource(seed: seed)
        var samples = Array(repeating: [Double](), count: series)
        let slices = 12
        for slice in 0..<slices {
            // 5 s slices of the 60 s window; record a little after each slice starts.
            clock.set(.seconds(5 * slice) + .milliseconds(100))
            let perSlice = samplesPerSeries / slices + (slice < samplesPerSeries % slices ? 1 : 0)
            for (index, key) in keys.enumerated() {
                let median = 0.005 * Double(1 + index % 7)
                for _ in 0..<perSlice {
                    let seconds = random.latency(median: median, sigma: 0.8)
                    samples[index].append(seconds)
                    windows.record(bee: key.bee, funcname: key.funcname, seconds: seconds, success: random.next() % 50 != 0)
                }
            }
        }
        // 57 s after creation: epoch 11, so all 12 slices are inside the window.
        clock.set(.seconds(57))
        self.samples = samples
    }

    /// The exact nearest-rank quantiles of one series: copy, sort, pick. The baseline a scrape is compared to.
    static func exactQuantiles(of samples: [Double]) -> [Double] {
        var sorted = samples
        sorted.sort()
        return quantiles.map { q in
            let rank = max(1, min(sorted.count, Int((q * Double(sorted.count)).rounded(.up))))
            return sorted[rank - 1]
        }
    }
}
