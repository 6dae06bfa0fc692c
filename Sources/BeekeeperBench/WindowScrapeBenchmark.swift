import BeekeeperMetrics

/// `window-scrape`: what a `/metrics` scrape pays for the latency windows of 100 busy series
/// (~10k samples each over the window), against an exact sort-based computation measured here
/// and the hdrhistogram-swift figure quoted in issue 4; and the memory one series takes.
struct WindowScrapeBenchmark {
    static let name = "window-scrape"
    /// Issue 4 / toolchain note: hdrhistogram-swift's valueAtPercentile ≈ 0.5 ms per call per
    /// quantile in release without cross-module optimization.
    static let hdrMillisecondsPerQuantile = 0.5

    let context: BenchContext

    func run() -> [ResultRow] {
        var rows: [ResultRow] = []
        let series = 100
        let fixture = WindowFixture(series: series, samplesPerSeries: 10_000)
        let repetitions = context.quick ? 5 : 31

        // Ours: the windows' snapshot alone, then the whole exposition of their three families.
        let snapshotTimes = (0..<repetitions).map { _ in
            Double(Nanoseconds.measure { blackHole(fixture.windows.snapshot()) }) / 1e6
        }
        let snapshot = Summary(snapshotTimes)
        rows.append(emit(ResultRow(
            Self.name, "ours: snapshot(), 100 series × 10k samples", ops: series, summary: snapshot, unit: "ms/scrape",
            extra: "\(Format.number(snapshot.median * 1e3 / Double(series))) µs per series, 4 quantiles each")))

        var body = ""
        let renderTimes = (0..<repetitions).map { _ in
            Double(Nanoseconds.measure { body = fixture.registry.render(.prometheusText) }) / 1e6
        }
        let render = Summary(renderTimes)
        rows.append(emit(ResultRow(
            Self.name, "ours: registry.render(.prometheusText) of the windows", ops: series, summary: render,
            unit: "ms/scrape", extra: "\(Format.bytes(Double(body.utf8.count))) of text; 3 families (summary + 2 gauges)")))

        // Baseline measured here: copy every series' samples, sort, pick the 4 nearest-rank quantiles.
        var exact: [[Double]] = []
        let sortTimes = (0..<repetitions).map { _ in
            Double(Nanoseconds.measure { exact = fixture.samples.map(WindowFixture.exactQuantiles) }) / 1e6
        }
        let sort = Summary(sortTimes)
        rows.append(emit(ResultRow(
            Self.name, "baseline: exact copy+sort+pick, same samples", ops: series, summary: sort, unit: "ms/scrape",
            extra: "ours (snapshot) is \(Format.number(sort.median / snapshot.median))× faster")))

        let hdr = Self.hdrMillisecondsPerQuantile * Double(series * WindowFixture.quantiles.count)
        rows.append(emit(ResultRow(
            Self.name, "baseline: hdrhistogram-swift valueAtPercentile (quoted, issue 4)", ops: series, median: hdr,
            min: hdr, max: hdr, unit: "ms/scrape",
            extra: "0.5 ms × 4 quantiles × 100 series, not measured here; ours (snapshot) is \(Format.number(hdr / snapshot.median))× faster")))

        rows.append(emit(accuracyRow(fixture: fixture, exact: exact)))
        rows += memoryRows()
        return rows
    }

    /// How far the windows' quantiles are from the exact ones (relative error), over every series and quantile.
    private func accuracyRow(fixture: WindowFixture, exact: [[Double]]) -> ResultRow {
        let byKey = Dictionary(uniqueKeysWithValues: fixture.windows.snapshot().map {
            (WindowFixture.Key(bee: $0.bee, funcname: $0.funcname), $0.quantiles.map(\.value))
        })
        var errors: [Double] = []
        for (index, key) in fixture.keys.enumerated() {
            guard let ours = byKey[key] else { continue }
            for (estimate, truth) in zip(ours, exact[index]) { errors.append(abs(estimate - truth) / truth * 100) }
        }
        let summary = Summary(errors)
        return ResultRow(
            Self.name, "accuracy: |ours − exact| / exact", ops: errors.count, summary: summary, unit: "% error",
            extra: "over 100 series × 4 quantiles; documented bound 1 %")
    }

    /// Bytes per series: the RSS delta of creating 1000 series (after returning freed heap to the
    /// system), beside an estimate from the structure's layout and the octaves the samples touch.
    private func memoryRows() -> [ResultRow] {
        let count = 1000
        var rows: [ResultRow] = []
        for (label, slices, perSlice) in [("1 sample (one slice)", 1, 1), ("busy: 12 slices × 100 samples, σ 0.8", 12, 100)] {
            Machine.trimHeap()
            let rssBefore = Machine.residentBytes
            let clock = ManualClock()
            let windows = LatencyWindows(window: .seconds(60), quantiles: WindowFixture.quantiles, clock: clock)
            var random = RandomSource(seed: 11)
            var estimate = 0
            for slice in 0..<slices {
                clock.set(.seconds(5 * slice))
                for index in 0..<count {
                    let bee = "bee-\(index / 10)"
                    let funcname = "func_\(index % 10)"
                    var octaves = Set<Int>()
                    for _ in 0..<perSlice {
                        let seconds = random.latency(median: 0.02, sigma: 0.8)
                        octaves.insert(Int(seconds.exponent))
                        windows.record(bee: bee, funcname: funcname, seconds: seconds, success: true)
                    }
                    estimate += Self.sliceBytes(octaves: octaves.count)
                }
            }
            estimate += count * Self.seriesBytes
            let rss = Double(Machine.residentBytes - rssBefore) / Double(count)
            withExtendedLifetime(windows) {}
            rows.append(emit(ResultRow(
                Self.name, "memory per series, \(label)", ops: count, median: rss, min: rss, max: rss,
                unit: "RSS bytes/series",
                extra: "layout estimate \(Format.number(Double(estimate) / Double(count))) bytes/series; "
                    + "documented ceiling 12 × 16 KiB histograms")))
        }
        return rows
    }

    /// A series without its histograms: its object, lock and totals (≈ 64 B), the ring of 12 slices
    /// (32 B array header + 12 × 64 B), and its dictionary entry (two small strings and a reference,
    /// at the table's load factor ≈ 64 B).
    private static let seriesBytes = 64 + 32 + 12 * 64 + 64

    /// One slice's histogram storage: 32 octave offsets (Int32) and 128 UInt32 counters per octave,
    /// the counter array growing by doubling; 16 B of malloc overhead per allocation.
    private static func sliceBytes(octaves: Int) -> Int {
        var capacity = 1
        while capacity < octaves { capacity *= 2 }
        return (32 + 32 * 4 + 16) + (32 + capacity * 128 * 4 + 16)
    }

    private func emit(_ row: ResultRow) -> ResultRow {
        row.print()
        return row
    }
}
