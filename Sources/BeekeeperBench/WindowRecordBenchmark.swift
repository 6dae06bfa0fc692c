import BeekeeperMetrics
import Synchronization

/// `window-record`: the cost of `LatencyWindows.record` on the task path, alone, from two threads,
/// and while a scraper renders the windows continuously (does a scrape hold recorders up?).
struct WindowRecordBenchmark {
    static let name = "window-record"
    let context: BenchContext

    private static let values: [Double] = {
        var random = RandomSource(seed: 7)
        return (0..<4096).map { _ in random.latency(median: 0.02, sigma: 0.8) }
    }()

    func run() -> [ResultRow] {
        var rows: [ResultRow] = []
        let opsPerBatch = context.quick ? 100_000 : 300_000
        let batches = context.quick ? 3 : 9
        let values = Self.values

        // One thread, one series.
        do {
            let windows = LatencyWindows(window: .seconds(60), quantiles: WindowFixture.quantiles)
            let timings = (0..<batches).map { _ in
                Double(Nanoseconds.measure { Self.record(windows, values: values, count: opsPerBatch, series: 1, offset: 0) })
                    / Double(opsPerBatch)
            }
            rows.append(emit(ResultRow(Self.name, "1 thread, 1 series", ops: opsPerBatch, summary: Summary(timings), unit: "ns/op",
                extra: "clock read \(Format.number(Nanoseconds.overhead())) ns (not subtracted)")))
        }
        // One thread, 50 series round-robin: the series lookup (hash of bee and funcname) counts.
        do {
            let windows = LatencyWindows(window: .seconds(60), quantiles: WindowFixture.quantiles)
            let timings = (0..<batches).map { _ in
                Double(Nanoseconds.measure { Self.record(windows, values: values, count: opsPerBatch, series: 50, offset: 0) })
                    / Double(opsPerBatch)
            }
            rows.append(emit(ResultRow(Self.name, "1 thread, 50 series round-robin", ops: opsPerBatch, summary: Summary(timings), unit: "ns/op")))
        }
        // Two threads at once, on the same series (worst case: one lock) and on different ones.
        for sameSeries in [true, false] {
            let windows = LatencyWindows(window: .seconds(60), quantiles: WindowFixture.quantiles)
            let timings = (0..<batches).map { _ in
                Double(
                    Nanoseconds.measure {
                        Threads.run(count: 2) { thread in
                            Self.record(windows, values: values, count: opsPerBatch, series: 1, offset: sameSeries ? 0 : thread)
                        }
                    }) / Double(opsPerBatch)
            }
            let summary = Summary(timings)
            rows.append(emit(ResultRow(
                Self.name, "2 threads, \(sameSeries ? "same series" : "one series each")", ops: 2 * opsPerBatch,
                summary: summary, unit: "ns/op per thread",
                extra: "both threads: \(Format.number(2e3 / summary.median)) M records/s")))
        }
        rows += scraperRows()
        return rows
    }

    /// p50/p99 of single records timed one by one, without and then with a thread rendering
    /// 100 busy series (10k samples each) in a loop.
    private func scraperRows() -> [ResultRow] {
        let fixture = WindowFixture(series: 100, samplesPerSeries: 10_000)
        let count = context.quick ? 200_000 : 2_000_000
        let key = fixture.keys[0]
        let values = Self.values
        var rows: [ResultRow] = []
        for withScraper in [false, true] {
            let shared = Shared()
            Threads.run(count: withScraper ? 2 : 1) { thread in
                if thread == 0 {
                    var local = [UInt64](repeating: 0, count: count)
                    for index in 0..<count {
                        let start = Nanoseconds.now()
                        fixture.windows.record(bee: key.bee, funcname: key.funcname, seconds: values[index & 4095], success: true)
                        local[index] = Nanoseconds.now() - start
                    }
                    shared.done.store(true, ordering: .releasing)
                    shared.timings.withLock { $0 = local }
                } else {
                    while !shared.done.load(ordering: .acquiring) {
                        blackHole(fixture.registry.render(.prometheusText))
                        shared.scrapes.wrappingAdd(1, ordering: .relaxed)
                    }
                }
            }
            let summary = Summary(shared.timings.withLock { $0 })
            let over10us = summary.sorted.lazy.filter { $0 > 10_000 }.count
            rows.append(emit(ResultRow(
                Self.name,
                withScraper ? "record p50/p99 while a thread scrapes 100×10k continuously" : "record p50/p99, no scraper (same series, timed per op)",
                ops: count, median: summary.median, min: summary.min, max: summary.max, unit: "ns/op (p50; min; max)",
                extra: "p99 \(Format.number(summary.percentile(0.99))) ns, p99.9 \(Format.number(summary.percentile(0.999))) ns, "
                    + "\(over10us) ops > 10 µs"
                    + (withScraper ? ", \(shared.scrapes.load(ordering: .relaxed)) scrapes during the run" : ""))))
        }
        return rows
    }

    /// What the recorder and the scraper thread share.
    private final class Shared: Sendable {
        let done = Atomic<Bool>(false)
        let scrapes = Atomic<Int>(0)
        let timings = Mutex<[UInt64]>([])
    }

    /// Records `count` values round-robin over `series` series starting at `offset`.
    private static func record(_ windows: LatencyWindows, values: [Double], count: Int, series: Int, offset: Int) {
        let names = (0..<max(series + offset, 1)).map { (bee: "bee-\($0 / 10)", funcname: "func_\($0 % 10)") }
        for index in 0..<count {
            let name = names[offset + index % series]
            windows.record(bee: name.bee, funcname: name.funcname, seconds: values[index & 4095], success: index % 50 != 0)
        }
    }

    private func emit(_ row: ResultRow) -> ResultRow {
        row.print()
        return row
    }
}
