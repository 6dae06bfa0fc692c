import Synchronization

/// The handles of one stored family, keyed by label values; shared by the counter, gauge and
/// histogram families.
final class SeriesTable<Handle: Sendable & AnyObject>: Sendable {
    let familyName: String
    let labelNames: [String]
    private let state = Mutex(State())

    /// One series as created: its handle and its sample line's start, `name{a="x",b="y"} `.
    private struct Series {
        let handle: Handle
        let prefix: [UInt8]
    }

    private struct State {
        var series: [[String]: Series] = [:]
        /// The series in exposition order, kept between scrapes: series are created rarely and
        /// scraped often, and sorting 10,000 of them by label values was most of a render's time
        /// (BENCHMARKS.md 6.1). Dropped whenever a series is created.
        var ordered: OrderedSeries<Handle>?
    }

    init(familyName: String, labelNames: [String]) {
        self.familyName = familyName
        self.labelNames = labelNames
    }

    func handle(for labelValues: [String], make: () -> Handle) -> Handle {
        precondition(
            labelValues.count == labelNames.count,
            "\(familyName) has labels \(labelNames) but got \(labelValues.count) value(s): \(labelValues)")
        return state.withLock { state in
            if let existing = state.series[labelValues] { return existing.handle }
            let created = make()
            // The line prefix is rendered here, once per series, so a scrape only copies it.
            let prefix = ExpositionWriter.samplePrefix(name: familyName, labelNames: labelNames, labelValues: labelValues)
            state.series[labelValues] = Series(handle: created, prefix: prefix)
            state.ordered = nil
            return created
        }
    }

    /// Every series, sorted by label values as the exposition writes them.
    func ordered() -> OrderedSeries<Handle> {
        state.withLock { state in
            if let ordered = state.ordered { return ordered }
            let sorted = state.series.sorted { ExpositionWriter.labelValuesPrecede($0.key, $1.key) }
            let ordered = OrderedSeries(sorted.lazy.map { ($0.key, $0.value.handle, $0.value.prefix) })
            state.ordered = ordered
            return ordered
        }
    }
}
