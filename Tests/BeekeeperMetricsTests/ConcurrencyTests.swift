import BeekeeperMetrics
import Testing

@Suite struct ConcurrencyTests {
    @Test func recordingWhileRenderingKeepsExactTotals() async throws {
        let registry = MetricsRegistry()
        let clock = ManualClock()
        let windows = LatencyWindows(window: .seconds(60), quantiles: [0.5, 0.99], clock: clock)
        windows.register(in: registry)
        let tasks = registry.counter("tasks_total", help: "Tasks.", labelNames: ["bee"])
        let inFlight = registry.gauge("in_flight", help: "In flight.", labelNames: ["bee"])
        let durations = registry.histogram("duration_seconds", help: "Durations.", labelNames: ["bee"], buckets: [0.01, 0.1, 1])
        let workers = 8
        let perWorker = 5_000
        let renders = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    let bee = "bee\(worker % 2)"
                    for index in 0..<perWorker {
                        inFlight.labels(bee).increment()
                        let seconds = Double(index % 100) / 100
                        tasks.labels(bee).increment()
                        durations.labels(bee).observe(seconds)
                        windows.record(bee: bee, funcname: "f", seconds: seconds, success: index % 4 != 0)
                        inFlight.labels(bee).decrement()
                    }
                    return 0
                }
            }
            group.addTask {
                // Scrapes while the workers run; every scrape must be internally consistent.
                var renders = 0
                for _ in 0..<40 {
                    let text = registry.render(.openMetrics)
                    #expect(text.hasSuffix("# EOF\n"))
                    let lines = text.split(separator: "\n")
                    let count = lines.first { $0.hasPrefix("duration_seconds_count{bee=\"bee0\"} ") }?.split(separator: " ").last
                    let infinity = lines.first { $0.hasPrefix("duration_seconds_bucket{bee=\"bee0\",le=\"+Inf\"} ") }?.split(separator: " ").last
                    #expect(count == infinity)
                    renders += 1
                    await Task.yield()
                }
                return renders
            }
            return await group.reduce(0, +)
        }
        #expect(renders == 40)
        let half = Double(workers / 2 * perWorker)
        #expect(tasks.labels("bee0").value == half)
        #expect(tasks.labels("bee1").value == half)
        #expect(inFlight.labels("bee0").value == 0)
        let text = registry.render(.prometheusText)
        #expect(text.contains("\ntasks_total{bee=\"bee0\"} 20000\n"))
        #expect(text.contains("\nduration_seconds_count{bee=\"bee1\"} 20000\n"))
        #expect(text.contains("\nduration_seconds_bucket{bee=\"bee1\",le=\"+Inf\"} 20000\n"))
        #expect(text.contains("\nbeekeeper_task_latency_seconds_count{bee=\"bee0\",funcname=\"f\"} 20000\n"))
        let snapshots = windows.snapshot()
        #expect(snapshots.map(\.count) == [20_000, 20_000])
        #expect(snapshots.map(\.errorRatio) == [0.25, 0.25])
    }
}
