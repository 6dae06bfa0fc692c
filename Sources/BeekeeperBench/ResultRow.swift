/// One line of the results table, printed as a Markdown row so it can be pasted into BENCHMARKS.md.
struct ResultRow {
    var benchmark: String
    var variant: String
    /// Operations in one measured run (per repetition).
    var ops: Int
    var median: Double
    var min: Double
    var max: Double
    var unit: String
    var extra: String

    init(
        _ benchmark: String, _ variant: String, ops: Int, summary: Summary, unit: String, extra: String = ""
    ) {
        self.init(benchmark, variant, ops: ops, median: summary.median, min: summary.min, max: summary.max, unit: unit, extra: extra)
    }

    init(
        _ benchmark: String, _ variant: String, ops: Int, median: Double, min: Double, max: Double, unit: String,
        extra: String = ""
    ) {
        self.benchmark = benchmark
        self.variant = variant
        self.ops = ops
        self.median = median
        self.min = min
        self.max = max
        self.unit = unit
        self.extra = extra
    }

    static let header = """
        | benchmark | case | ops/run | median | min | max | unit | extra |
        | --- | --- | ---: | ---: | ---: | ---: | --- | --- |
        """

    var markdown: String {
        "| \(benchmark) | \(variant) | \(ops) | \(Format.number(median)) | \(Format.number(min)) | \(Format.number(max)) | \(unit) | \(extra) |"
    }

    func print() {
        Swift.print(markdown)
    }
}
