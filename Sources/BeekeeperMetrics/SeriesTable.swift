import Synchronization

/// The handles of one stored family, keyed by label values; shared by the counter, gauge and
/// histogram families.
final class SeriesTable<Handle: Sendable>: Sendable {
    let familyName: String
    let labelNames: [String]
    private let handles = Mutex<[[String]: Handle]>([:])

    init(familyName: String, labelNames: [String]) {
        self.familyName = familyName
        self.labelNames = labelNames
    }

    func handle(for labelValues: [String], make: () -> Handle) -> Handle {
        precondition(
            labelValues.count == labelNames.count,
            "\(familyName) has labels \(labelNames) but got \(labelValues.count) value(s): \(labelValues)")
        return handles.withLock { handles in
            if let existing = handles[labelValues] { return existing }
            let created = make()
            handles[labelValues] = created
            return created
        }
    }

    func all() -> [(labelValues: [String], handle: Handle)] {
        handles.withLock { $0.map { ($0.key, $0.value) } }
    }
}
