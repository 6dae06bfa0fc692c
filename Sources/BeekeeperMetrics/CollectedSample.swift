/// One series of a family computed at scrape time (see `MetricsRegistry.collector`).
///
/// `labelValues` line up with the family's `labelNames`. The value's kind must fit the family's type:
/// `.number` for counters and gauges, `.summary` for summaries, `.histogram` for histograms.
public struct CollectedSample: Sendable {
    public enum Value: Sendable {
        /// A counter's total or a gauge's value.
        case number(Double)
        /// Quantiles as (quantile, value) pairs; `count` and `sum` should be cumulative, like a counter.
        case summary(quantiles: [(quantile: Double, value: Double)], count: Double, sum: Double)
        /// Cumulative bucket counts by finite upper bound, ascending; the `+Inf` bucket is `count`.
        case histogram(buckets: [(upperBound: Double, count: Double)], count: Double, sum: Double)
    }

    public var labelValues: [String]
    public var value: Value

    public init(labelValues: [String] = [], value: Value) {
        self.labelValues = labelValues
        self.value = value
    }

    /// A counter or gauge sample.
    public init(labelValues: [String] = [], _ number: Double) {
        self.init(labelValues: labelValues, value: .number(number))
    }
}
