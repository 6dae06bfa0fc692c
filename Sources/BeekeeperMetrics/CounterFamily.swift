/// A counter family from `MetricsRegistry.counter`; `labels(...)` gives the cached series handle.
public final class CounterFamily: Sendable {
    let table: SeriesTable<Counter>

    init(name: String, labelNames: [String]) {
        table = SeriesTable(familyName: name, labelNames: labelNames)
    }

    /// The series for these label values, in `labelNames` order; created at zero on first use.
    public func labels(_ values: String...) -> Counter {
        labels(values)
    }

    public func labels(_ values: [String]) -> Counter {
        table.handle(for: values) { Counter() }
    }

    func collect() -> [CollectedSample] {
        let series = table.ordered()
        return zip(series.labelValues, series.handles).map { CollectedSample(labelValues: $0, $1.value) }
    }
}
