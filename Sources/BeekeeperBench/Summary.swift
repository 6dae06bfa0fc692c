/// Order statistics of repeated measurements: the median is the headline, min and max the spread.
struct Summary {
    let sorted: [Double]

    init(_ values: [Double]) {
        precondition(!values.isEmpty, "a summary needs at least one value")
        sorted = values.sorted()
    }

    init(_ values: [UInt64]) {
        self.init(values.map { Double($0) })
    }

    var count: Int { sorted.count }
    var min: Double { sorted[0] }
    var max: Double { sorted[sorted.count - 1] }
    var median: Double { percentile(0.5) }

    /// Nearest rank: the smallest value with at least `q × count` values at or below it.
    func percentile(_ q: Double) -> Double {
        let rank = Swift.max(1, Swift.min(sorted.count, Int((q * Double(sorted.count)).rounded(.up))))
        return sorted[rank - 1]
    }
}
