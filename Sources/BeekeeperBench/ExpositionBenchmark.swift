import BeekeeperMetrics

/// `exposition`: `MetricsRegistry.render` of a registry shaped like the sidecar's with 50
/// (bee, funcname) series: `beekeeper_tasks_total` (3 outcomes each), `beekeeper_task_duration_seconds`
/// (SPEC's 14 buckets), in-flight gauges, audit and HTTP counters, process metrics; then the same with
/// the latency windows of those 50 series (10k samples each) registered too, as the sidecar has them.
struct ExpositionBenchmark {
    static let name = "exposition"
    let context: BenchContext

    func run() -> [ResultRow] {
        let buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
        let fixture = WindowFixture(series: 50, samplesPerSeries: 10_000)
        let stored = MetricsRegistry()
        let withWindows = fixture.registry
        for registry in [stored, withWindows] {
            populate(registry, keys: fixture.keys, buckets: buckets)
        }

        var rows: [ResultRow] = []
        for (label, registry) in [("stored families (150 counters, 50 histograms)", stored), ("stored + latency windows of the 50 series", withWindows)] {
            for format in [ExpositionFormat.prometheusText, .openMetrics] {
                let bytes = registry.render(format).utf8.count
                let result = context.micro { blackHole(registry.render(format)) }
                let micro = Summary(result.nanosecondsPerOp.sorted.map { $0 / 1e3 })
                let row = ResultRow(
                    Self.name, "\(label), \(format == .prometheusText ? "0.0.4 text" : "OpenMetrics")", ops: result.operationsPerBatch,
                    summary: micro, unit: "µs/render",
                    extra: "\(Format.bytes(Double(bytes))) (\(Format.grouped(bytes)) bytes); \(Format.number(Double(bytes) / micro.median)) MB/s")
                row.print()
                rows.append(row)
            }
        }
        return rows
    }

    /// The sidecar's stored families (SidecarMetrics), with values in every series.
    private func populate(_ registry: MetricsRegistry, keys: [WindowFixture.Key], buckets: [Double]) {
        var random = RandomSource(seed: 9)
        registry.gauge("beekeeper_build_info", help: "Build information; the value is always 1.", labelNames: ["version"])
            .labels("0.1.0").set(1)
        let tasks = registry.counter(
            "beekeeper_tasks_total", help: "Tasks finished, by bee, funcname and outcome.", labelNames: ["bee", "funcname", "outcome"])
        let duration = registry.histogram(
            "beekeeper_task_duration_seconds", help: "Wall time of executed tasks, all attempts included.",
            labelNames: ["bee", "funcname"], buckets: buckets)
        let inFlight = registry.gauge("beekeeper_tasks_in_flight", help: "Tasks executing or queued for a bee.", labelNames: ["bee"])
        let audit = registry.counter("beekeeper_audit_records_total", help: "Audit records made durable, by type.", labelNames: ["type"])
        let http = registry.counter(
            "beekeeper_http_requests_total", help: "HTTP requests answered, by handler and status code.", labelNames: ["handler", "code"])
        let fsync = registry.histogram(
            "beekeeper_audit_fsync_duration_seconds", help: "Duration of each fdatasync of the live audit segment.",
            buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1])
        for key in keys {
            for outcome in ["succeeded", "failed", "blocked"] {
                tasks.labels(key.bee, key.funcname, outcome).increment(by: Int(random.next() % 100_000))
            }
            let series = duration.labels(key.bee, key.funcname)
            for _ in 0..<1000 { series.observe(random.latency(median: 0.02, sigma: 0.8)) }
            inFlight.labels(key.bee).set(Double(random.next() % 8))
        }
        for type in ["task.received", "task.approved", "task.blocked", "task.succeeded", "task.failed", "task.timed_out", "audit.checkpoint"] {
            audit.labels(type).increment(by: Int(random.next() % 1_000_000))
        }
        for (handler, codes) in [("tasks", ["200", "422", "502", "503"]), ("metrics", ["200"]), ("events", ["200", "400"])] {
            for code in codes { http.labels(handler, code).increment(by: Int(random.next() % 100_000)) }
        }
        for _ in 0..<1000 { fsync.labels().observe(random.latency(median: 0.002, sigma: 0.5)) }
        ProcessMetrics.register(in: registry)
    }
}
