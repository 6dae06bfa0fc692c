/// What the registry keeps for one family: its metadata and how to read its series at scrape time.
struct RegisteredFamily: Sendable {
    enum Storage: Sendable {
        case counter(CounterFamily)
        case gauge(GaugeFamily)
        case histogram(HistogramFamily)
        case collector(@Sendable () -> [CollectedSample])
    }

    /// The name as the 0.0.4 text format writes it in HELP and TYPE; counters' ends in `_total`.
    let name: String
    let help: String
    let type: MetricType
    let labelNames: [String]
    /// Finite bucket bounds of a stored histogram; empty otherwise.
    let buckets: [Double]
    let storage: Storage

    /// OpenMetrics names a counter family without its `_total` suffix.
    var openMetricsName: String {
        type == .counter ? String(name.dropLast("_total".count)) : name
    }

    /// Every name this family's exposition may use, in either format; two families must not share one.
    var claimedNames: [String] {
        switch type {
        case .counter:
            let base = openMetricsName
            return [base, name, base + "_created"]
        case .gauge:
            return [name]
        case .histogram:
            return [name, name + "_bucket", name + "_sum", name + "_count", name + "_created"]
        case .summary:
            return [name, name + "_sum", name + "_count", name + "_created"]
        }
    }

    func collect() -> [CollectedSample] {
        switch storage {
        case .counter(let family): family.collect()
        case .gauge(let family): family.collect()
        case .histogram(let family): family.collect()
        case .collector(let collect): collect()
        }
    }
}
