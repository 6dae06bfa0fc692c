import Synchronization

/// The handles of one stored family, keyed by label values; shared by the counter, gauge and
/// histogram families.
final class SeriesTable<Handle: Sendable>: Sendable {
    let familyName: String
    let labelNames: [String]
    private let state = Mutex(State())

    /// A series in exposition order, with its label pairs already rendered (`a="x",b="y"`).
    typealias Entry = (labelValues: [String], renderedLabels: [UInt8], handle: Handle)

    private struct State {
        var handles: [[String]: Handle] = [:]
        /// The series in exposition order, kept between scrapes: series are created rarely and
        /// scraped often, and sorting 10,000 of them by label values was most of a render's time
        /// (BENCHMARKS.md 6.1). Dropped whenever a series is created.
        var sorted: [Entry]?
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
            if let existing = state.handles[labelValues] { return existing }
            let created = make()
            state.handles[labelValues] = created
            state.sorted = nil
            return created
        }
    }

    /// Every series, sorted by label values as the exposition writes them.
    func all() -> [Entry] {
        state.withLock { state in
            if let sorted = state.sorted { return sorted }
            let sorted = state.handles.map { (labelValues: $0.key, renderedLabels: ExpositionWriter.renderLabels(labelNames, $0.key), handle: $0.value) }
                .sorted { ExpositionWriter.labelValuesPrecede($0.labelValues, $1.labelValues) }
            state.sorted = sorted
            return sorted
        }
    }
}
