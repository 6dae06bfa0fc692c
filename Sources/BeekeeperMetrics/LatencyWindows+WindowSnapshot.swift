extension LatencyWindows {
    /// One series' window, as `snapshot()` reports it (see `LatencyWindows` for the definitions).
    public struct WindowSnapshot: Sendable {
        public var bee: String
        public var funcname: String
        /// (quantile, seconds) in the configured order; the values are NaN when the window is empty.
        public var quantiles: [(quantile: Double, value: Double)]
        /// Tasks recorded in the window, failures among them, and their summed seconds.
        public var count: Int
        public var errors: Int
        public var sum: Double
        public var throughputPerSecond: Double
        public var errorRatio: Double
        /// Since the series began; the summary's `_count` and `_sum` use these, so `rate()` works on them.
        public var totalCount: Int
        public var totalSum: Double
    }
}
