/// A stored family's series in exposition order, as `SeriesTable` keeps them between scrapes.
///
/// Immutable once built, so a scrape takes it under the table's lock once and reads it without one.
/// The sample-line prefixes (`name{a="x",b="y"} `) sit back to back in one array rather than one
/// array per series, so a render walks contiguous memory (BENCHMARKS.md 20).
final class OrderedSeries<Handle: Sendable & AnyObject>: Sendable {
    let labelValues: [[String]]
    /// Owns the handles, so `unretainedHandles` stay valid as long as this exists.
    let handles: [Handle]
    /// The same handles without a reference count: a render reads 10,000 of them, and a
    /// retain/release pair around each read was a third of its time (BENCHMARKS.md 20).
    let unretainedHandles: [Unmanaged<Handle>]
    /// Every series' prefix, concatenated in order.
    let prefixes: [UInt8]
    /// Where each series' prefix ends in `prefixes` (its start is the previous one's end).
    let prefixEnds: [Int]

    init(_ series: some Sequence<(labelValues: [String], handle: Handle, prefix: [UInt8])>) {
        var labelValues: [[String]] = []
        var handles: [Handle] = []
        var prefixes: [UInt8] = []
        var prefixEnds: [Int] = []
        for (values, handle, prefix) in series {
            labelValues.append(values)
            handles.append(handle)
            prefixes.append(contentsOf: prefix)
            prefixEnds.append(prefixes.count)
        }
        self.labelValues = labelValues
        self.handles = handles
        self.unretainedHandles = handles.map { Unmanaged.passUnretained($0) }
        self.prefixes = prefixes
        self.prefixEnds = prefixEnds
    }

    var count: Int { handles.count }
}
