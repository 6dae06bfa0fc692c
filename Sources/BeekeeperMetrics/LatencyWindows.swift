import Synchronization

/// Rolling latency windows per (bee, funcname): quantiles, throughput and error ratio over the last
/// `window`, in bounded memory whatever the traffic.
///
/// Each series is a ring of 12 slices of `window / 12`; each slice holds a count, an error count, a sum,
/// min/max and a log-linear histogram (buckets within 0.4 % of their values). A snapshot merges the
/// slices still inside the window, so the window it reports covers between `window - window/12` and
/// `window`, and never more than the time since these windows were created.
///
/// - Quantiles use the nearest-rank definition (the smallest recorded value with at least `q × count`
///   values at or below it), estimated within 1 % relative, clamped to the window's min and max;
///   all quantiles of a series come out of one pass over the merged buckets. NaN when the window is empty.
/// - `throughputPerSecond` is the window's count divided by the duration it covers (the live slices'
///   span, capped by the time since creation but at least one slice); 0 when empty.
/// - `errorRatio` is failures / count over the window; 0 (not NaN) when empty, so sums and averages
///   over series in PromQL stay numbers.
///
/// Recording takes one short lock per series (and a lookup lock); a snapshot holds each series lock
/// only to copy its slices (copy-on-write) and does the merging outside it.
public final class LatencyWindows: Sendable {
    static let sliceCount = 12

    public let window: Duration
    /// The quantiles reported, in the order given.
    public let quantiles: [Double]

    private let sliceNanoseconds: Int64
    /// Nanoseconds since these windows were created, from the injected clock.
    private let elapsedNanoseconds: @Sendable () -> Int64
    /// Indices into `quantiles`, by ascending quantile, for the one-pass walk.
    private let quantileOrder: [Int]
    private let series = Mutex<[SeriesKey: WindowSeries]>([:])

    private struct SeriesKey: Hashable {
        var bee: String
        var funcname: String
    }

    public init(window: Duration, quantiles: [Double], clock: some Clock<Duration> = ContinuousClock()) {
        precondition(window > .zero, "the latency window must be positive, got \(window)")
        precondition(quantiles.allSatisfy { $0 >= 0 && $0 <= 1 }, "quantiles must lie in [0, 1], got \(quantiles)")
        self.window = window
        self.quantiles = quantiles
        self.sliceNanoseconds = max(1, window.nanoseconds / Int64(Self.sliceCount))
        self.quantileOrder = quantiles.indices.sorted { quantiles[$0] < quantiles[$1] }
        let start = clock.now
        self.elapsedNanoseconds = { max(0, start.duration(to: clock.now).nanoseconds) }
    }

    /// Records one finished task. Negative or NaN durations count as 0.
    public func record(bee: String, funcname: String, seconds: Double, success: Bool) {
        let epoch = elapsedNanoseconds() / sliceNanoseconds
        let seconds = seconds > 0 ? seconds : 0
        let bucket = LogLinearHistogram.bucketIndex(of: seconds)
        let key = SeriesKey(bee: bee, funcname: funcname)
        let target = series.withLock { series in
            if let existing = series[key] { return existing }
            let created = WindowSeries(sliceCount: Self.sliceCount)
            series[key] = created
            return created
        }
        target.state.withLock { $0.record(epoch: epoch, seconds: seconds, bucket: bucket, success: success) }
    }

    public func record(bee: String, funcname: String, duration: Duration, success: Bool) {
        record(bee: bee, funcname: funcname, seconds: duration.seconds, success: success)
    }

    /// One snapshot per series ever recorded, sorted by (bee, funcname).
    public func snapshot() -> [WindowSnapshot] {
        snapshot(computingQuantiles: true)
    }

    /// Without quantiles the snapshot skips merging histograms; the gauges need only counts.
    func snapshot(computingQuantiles: Bool) -> [WindowSnapshot] {
        let now = elapsedNanoseconds()
        let epoch = now / sliceNanoseconds
        // The live slices' span, but no more than these windows have existed: a fresh start would otherwise
        // divide by a full window. At least one slice, so the first tasks after a start don't read as a burst.
        let coveredNanoseconds = min(
            Int64(Self.sliceCount - 1) * sliceNanoseconds + (now - epoch * sliceNanoseconds),
            max(now, sliceNanoseconds))
        let coveredSeconds = Double(coveredNanoseconds) / 1e9
        let entries = series.withLock { $0.map { (key: $0.key, series: $0.value) } }.sorted {
            if !$0.key.bee.utf8.elementsEqual($1.key.bee.utf8) {
                return $0.key.bee.utf8.lexicographicallyPrecedes($1.key.bee.utf8)
            }
            return $0.key.funcname.utf8.lexicographicallyPrecedes($1.key.funcname.utf8)
        }
        var totals: [UInt64] = computingQuantiles ? Array(repeating: 0, count: LogLinearHistogram.bucketCount) : []
        return entries.map { entry in
            let (live, totalCount, totalSum) = entry.series.state.withLock { state in
                (state.liveSlices(at: epoch), state.totalCount, state.totalSum)
            }
            var count = 0
            var errors = 0
            var sum = 0.0
            var minimum = Double.infinity
            var maximum = -Double.infinity
            for slice in live {
                count += slice.count
                errors += slice.errors
                sum += slice.sum
                minimum = min(minimum, slice.minimum)
                maximum = max(maximum, slice.maximum)
            }
            var values = Array(repeating: Double.nan, count: quantiles.count)
            if computingQuantiles, count > 0 {
                values = quantileValues(of: live, count: count, minimum: minimum, maximum: maximum, scratch: &totals)
            }
            return WindowSnapshot(
                bee: entry.key.bee,
                funcname: entry.key.funcname,
                quantiles: Array(zip(quantiles, values)).map { (quantile: $0.0, value: $0.1) },
                count: count,
                errors: errors,
                sum: sum,
                throughputPerSecond: count > 0 && coveredSeconds > 0 ? Double(count) / coveredSeconds : 0,
                errorRatio: count > 0 ? Double(errors) / Double(count) : 0,
                totalCount: totalCount,
                totalSum: totalSum)
        }
    }

    /// All configured quantiles in one ascending walk over the merged buckets. `scratch` holds
    /// `bucketCount` zeros on entry and again on return, so one allocation serves every series.
    private func quantileValues(
        of slices: [WindowSlice], count: Int, minimum: Double, maximum: Double, scratch totals: inout [UInt64]
    ) -> [Double] {
        var octaveMask: UInt32 = 0
        for slice in slices {
            slice.histogram.merge(into: &totals, octaveMask: &octaveMask)
        }
        let ranks = quantileOrder.map { index in
            UInt64(min(max((quantiles[index] * Double(count)).rounded(.up), 1), Double(count)))
        }
        var values = Array(repeating: Double.nan, count: quantiles.count)
        var next = 0
        var cumulative: UInt64 = 0
        for octave in 0..<LogLinearHistogram.octaves where octaveMask & (1 << UInt32(octave)) != 0 {
            let base = octave << LogLinearHistogram.subBucketBits
            for bucket in base..<(base + LogLinearHistogram.subBuckets) where totals[bucket] != 0 {
                cumulative += totals[bucket]
                totals[bucket] = 0
                while next < ranks.count, cumulative >= ranks[next] {
                    // The first and last ranks are the recorded min and max, known exactly.
                    let value =
                        ranks[next] == 1 ? minimum
                        : ranks[next] == UInt64(count) ? maximum
                        : min(max(LogLinearHistogram.midpoint(ofBucket: bucket), minimum), maximum)
                    values[quantileOrder[next]] = value
                    next += 1
                }
            }
        }
        return values
    }
}
