/// A gauge family from `MetricsRegistry.gauge`; `labels(...)` gives the cached series handle.
public final class GaugeFamily: Sendable {
    let table: SeriesTable<Gauge>

    init(name: String, labelNames: [String]) {
        table = SeriesTable(familyName: name, labelNames: labelNames)
    }

    /// The series for these label values, in `labelNames` order; created at zero on first use.
    public func labels(_ values: String...) -> Gauge {
        labels(values)
    }

    public func labels(_ values: [String]) -> Gauge {
        table.handle(for: values) { Gauge() }
    }

    func collect() -> [CollectedSample] {
        let series = table.ordered()
        return zip(series.labelValues, series.handles).map { CollectedSample(labelValues: $0, $1.value) }
    }
}
