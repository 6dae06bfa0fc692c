extension LatencyWindows {
    /// Registers `beekeeper_task_latency_seconds` (summary: window quantiles, cumulative `_sum`/`_count`),
    /// `beekeeper_task_throughput_per_second` and `beekeeper_task_error_ratio` (gauges over the window),
    /// all labelled `bee`, `funcname` and computed at each scrape.
    public func register(in registry: MetricsRegistry) {
        let span = Self.describe(window)
        registry.collector(
            "beekeeper_task_latency_seconds",
            help: "Task latency quantiles over the last \(span); _sum and _count count every task since start.",
            type: .summary, labelNames: ["bee", "funcname"]
        ) { [self] in
            snapshot().map {
                CollectedSample(
                    labelValues: [$0.bee, $0.funcname],
                    value: .summary(quantiles: $0.quantiles, count: Double($0.totalCount), sum: $0.totalSum))
            }
        }
        registry.collector(
            "beekeeper_task_throughput_per_second",
            help: "Tasks finished per second over the last \(span).",
            type: .gauge, labelNames: ["bee", "funcname"]
        ) { [self] in
            snapshot(computingQuantiles: false).map { CollectedSample(labelValues: [$0.bee, $0.funcname], $0.throughputPerSecond) }
        }
        registry.collector(
            "beekeeper_task_error_ratio",
            help: "Share of tasks that failed over the last \(span) (0 when there were none).",
            type: .gauge, labelNames: ["bee", "funcname"]
        ) { [self] in
            snapshot(computingQuantiles: false).map { CollectedSample(labelValues: [$0.bee, $0.funcname], $0.errorRatio) }
        }
    }

    /// "60s", "1.5s", "250ms" for help texts.
    static func describe(_ duration: Duration) -> String {
        let seconds = duration.seconds
        if seconds >= 1 || seconds == 0 { return NumberFormatting.sampleValue(seconds) + "s" }
        return NumberFormatting.sampleValue(seconds * 1000) + "ms"
    }
}
