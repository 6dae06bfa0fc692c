/// A histogram family from `MetricsRegistry.histogram`; `labels(...)` gives the cached series handle.
public final class HistogramFamily: Sendable {
    let table: SeriesTable<Histogram>
    /// Finite upper bounds, ascending and unique.
    let upperBounds: [Double]

    init(name: String, labelNames: [String], upperBounds: [Double]) {
        table = SeriesTable(familyName: name, labelNames: labelNames)
        self.upperBounds = upperBounds
    }

    /// The series for these label values, in `labelNames` order; created empty on first use.
    public func labels(_ values: String...) -> Histogram {
        labels(values)
    }

    public func labels(_ values: [String]) -> Histogram {
        table.handle(for: values) { Histogram(upperBounds: upperBounds) }
    }

    func collect() -> [CollectedSample] {
        let series = table.ordered()
        return zip(series.labelValues, series.handles).map { labelValues, handle in
            let (cumulative, count, sum) = handle.snapshot()
            let buckets = zip(upperBounds, cumulative).map { (upperBound: $0, count: Double($1)) }
            return CollectedSample(
                labelValues: labelValues, value: .histogram(buckets: buckets, count: Double(count), sum: sum))
        }
    }
}
