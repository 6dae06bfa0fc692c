import BeekeeperMetrics
import Synchronization
import Testing

@Suite struct ExpositionTests {
    /// One family of each type, registered out of name order.
    static func sampleRegistry() -> MetricsRegistry {
        let registry = MetricsRegistry()
        registry.collector(
            "beekeeper_rpc_latency_seconds", help: "Latency.", type: .summary, labelNames: ["bee"]
        ) {
            [
                CollectedSample(labelValues: ["idle"], value: .summary(quantiles: [(0.5, .nan), (0.99, .nan)], count: 0, sum: 0)),
                CollectedSample(labelValues: ["busy"], value: .summary(quantiles: [(0.5, 0.25), (0.99, 1.5)], count: 12, sum: 4.75)),
            ]
        }
        let tasks = registry.counter("beekeeper_tasks_total", help: "Tasks finished.", labelNames: ["bee", "outcome"])
        tasks.labels("echo", "succeeded").increment(by: 3)
        tasks.labels("echo", "failed").increment()
        let duration = registry.histogram(
            "beekeeper_task_duration_seconds", help: "Task wall time.", labelNames: ["bee"], buckets: [0.005, 0.5, 1, 60])
        duration.labels("echo").observe(0.004)
        duration.labels("echo").observe(0.5)
        duration.labels("echo").observe(90)
        registry.gauge("beekeeper_tasks_in_flight", help: "In flight.", labelNames: ["bee"]).labels("echo").set(2)
        _ = registry.counter("beekeeper_audit_write_errors_total", help: "Write errors.")
        registry.gauge("beekeeper_audit_last_seq", help: "Last seq.").labels().set(.infinity)
        return registry
    }

    @Test func prometheusTextGolden() {
        let expected = """
            # HELP beekeeper_audit_last_seq Last seq.
            # TYPE beekeeper_audit_last_seq gauge
            beekeeper_audit_last_seq +Inf
            # HELP beekeeper_audit_write_errors_total Write errors.
            # TYPE beekeeper_audit_write_errors_total counter
            beekeeper_audit_write_errors_total 0
            # HELP beekeeper_rpc_latency_seconds Latency.
            # TYPE beekeeper_rpc_latency_seconds summary
            beekeeper_rpc_latency_seconds{bee="busy",quantile="0.5"} 0.25
            beekeeper_rpc_latency_seconds{bee="busy",quantile="0.99"} 1.5
            beekeeper_rpc_latency_seconds_sum{bee="busy"} 4.75
            beekeeper_rpc_latency_seconds_count{bee="busy"} 12
            beekeeper_rpc_latency_seconds{bee="idle",quantile="0.5"} NaN
            beekeeper_rpc_latency_seconds{bee="idle",quantile="0.99"} NaN
            beekeeper_rpc_latency_seconds_sum{bee="idle"} 0
            beekeeper_rpc_latency_seconds_count{bee="idle"} 0
            # HELP beekeeper_task_duration_seconds Task wall time.
            # TYPE beekeeper_task_duration_seconds histogram
            beekeeper_task_duration_seconds_bucket{bee="echo",le="0.005"} 1
            beekeeper_task_duration_seconds_bucket{bee="echo",le="0.5"} 2
            beekeeper_task_duration_seconds_bucket{bee="echo",le="1"} 2
            beekeeper_task_duration_seconds_bucket{bee="echo",le="60"} 2
            beekeeper_task_duration_seconds_bucket{bee="echo",le="+Inf"} 3
            beekeeper_task_duration_seconds_sum{bee="echo"} 90.504
            beekeeper_task_duration_seconds_count{bee="echo"} 3
            # HELP beekeeper_tasks_in_flight In flight.
            # TYPE beekeeper_tasks_in_flight gauge
            beekeeper_tasks_in_flight{bee="echo"} 2
            # HELP beekeeper_tasks_total Tasks finished.
            # TYPE beekeeper_tasks_total counter
            beekeeper_tasks_total{bee="echo",outcome="failed"} 1
            beekeeper_tasks_total{bee="echo",outcome="succeeded"} 3

            """
        #expect(Self.sampleRegistry().render(.prometheusText) == expected)
    }

    @Test func openMetricsGolden() {
        let expected = """
            # TYPE beekeeper_audit_last_seq gauge
            # HELP beekeeper_audit_last_seq Last seq.
            beekeeper_audit_last_seq +Inf
            # TYPE beekeeper_audit_write_errors counter
            # HELP beekeeper_audit_write_errors Write errors.
            beekeeper_audit_write_errors_total 0
            # TYPE beekeeper_rpc_latency_seconds summary
            # HELP beekeeper_rpc_latency_seconds Latency.
            beekeeper_rpc_latency_seconds{bee="busy",quantile="0.5"} 0.25
            beekeeper_rpc_latency_seconds{bee="busy",quantile="0.99"} 1.5
            beekeeper_rpc_latency_seconds_sum{bee="busy"} 4.75
            beekeeper_rpc_latency_seconds_count{bee="busy"} 12
            beekeeper_rpc_latency_seconds{bee="idle",quantile="0.5"} NaN
            beekeeper_rpc_latency_seconds{bee="idle",quantile="0.99"} NaN
            beekeeper_rpc_latency_seconds_sum{bee="idle"} 0
            beekeeper_rpc_latency_seconds_count{bee="idle"} 0
            # TYPE beekeeper_task_duration_seconds histogram
            # HELP beekeeper_task_duration_seconds Task wall time.
            beekeeper_task_duration_seconds_bucket{bee="echo",le="0.005"} 1
            beekeeper_task_duration_seconds_bucket{bee="echo",le="0.5"} 2
            beekeeper_task_duration_seconds_bucket{bee="echo",le="1.0"} 2
            beekeeper_task_duration_seconds_bucket{bee="echo",le="60.0"} 2
            beekeeper_task_duration_seconds_bucket{bee="echo",le="+Inf"} 3
            beekeeper_task_duration_seconds_sum{bee="echo"} 90.504
            beekeeper_task_duration_seconds_count{bee="echo"} 3
            # TYPE beekeeper_tasks_in_flight gauge
            # HELP beekeeper_tasks_in_flight In flight.
            beekeeper_tasks_in_flight{bee="echo"} 2
            # TYPE beekeeper_tasks counter
            # HELP beekeeper_tasks Tasks finished.
            beekeeper_tasks_total{bee="echo",outcome="failed"} 1
            beekeeper_tasks_total{bee="echo",outcome="succeeded"} 3
            # EOF

            """
        #expect(Self.sampleRegistry().render(.openMetrics) == expected)
    }

    @Test func hostileLabelValuesAndHelpAreEscaped() {
        let registry = MetricsRegistry()
        let family = registry.counter("hostile_total", help: "Say \"hi\" to C:\\bees\nsecond line", labelNames: ["bee", "funcname"])
        family.labels("q\"uote", "back\\slash").increment()
        family.labels("new\nline", "brace} eq= comma, \u{1F41D}").increment()
        family.labels("\\\"\n", "ü é 日本").increment()
        let text = registry.render(.prometheusText)
        #expect(text.contains("# HELP hostile_total Say \"hi\" to C:\\\\bees\\nsecond line\n"))
        #expect(text.contains(#"hostile_total{bee="q\"uote",funcname="back\\slash"} 1"#))
        #expect(text.contains(#"hostile_total{bee="new\nline",funcname="brace} eq= comma, 🐝"} 1"#))
        #expect(text.contains(#"hostile_total{bee="\\\"\n",funcname="ü é 日本"} 1"#))
        // No raw newline inside any line: every line is a comment or a whole sample.
        for line in text.split(separator: "\n") {
            #expect(line.hasPrefix("#") || line.hasPrefix("hostile_total{"))
        }
        let openMetrics = registry.render(.openMetrics)
        #expect(openMetrics.contains("# HELP hostile Say \\\"hi\\\" to C:\\\\bees\\nsecond line\n"))
        #expect(openMetrics.contains(#"hostile_total{bee="q\"uote",funcname="back\\slash"} 1"#))
    }

    @Test func orderIsStableAndIndependentOfRegistrationOrder() {
        func build(reversed: Bool) -> MetricsRegistry {
            let registry = MetricsRegistry()
            var steps: [(MetricsRegistry) -> Void] = [
                { $0.gauge("zeta", help: "Z.", labelNames: ["k"]).labels("b").set(1) },
                { $0.counter("alpha_total", help: "A.", labelNames: ["k"]).labels("z").increment() },
                { $0.counter("alpha_total", help: "A.", labelNames: ["k"]).labels("a").increment() },
                { $0.gauge("mid", help: "M.", labelNames: ["k", "l"]).labels("x", "2").set(2) },
                { $0.gauge("mid", help: "M.", labelNames: ["k", "l"]).labels("x", "10").set(10) },
                { $0.gauge("mid", help: "M.", labelNames: ["k", "l"]).labels("Y", "1").set(1) },
                { $0.gauge("zeta", help: "Z.", labelNames: ["k"]).labels("a").set(1) },
            ]
            if reversed { steps.reverse() }
            for step in steps { step(registry) }
            return registry
        }
        let forward = build(reversed: false)
        let backward = build(reversed: true)
        let first = forward.render(.prometheusText)
        #expect(first == backward.render(.prometheusText))
        for _ in 0..<5 { #expect(forward.render(.prometheusText) == first) }
        let sampleLines = first.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(sampleLines == [
            #"alpha_total{k="a"} 1"#, #"alpha_total{k="z"} 1"#,
            // Byte order: uppercase before lowercase, "10" before "2".
            #"mid{k="Y",l="1"} 1"#, #"mid{k="x",l="10"} 10"#, #"mid{k="x",l="2"} 2"#,
            #"zeta{k="a"} 1"#, #"zeta{k="b"} 1"#,
        ])
    }

    @Test func seriesCreatedAfterARenderTakeTheirPlaceInOrder() {
        let registry = MetricsRegistry()
        let family = registry.counter("late_total", help: "L.", labelNames: ["k"])
        family.labels("m").increment()
        family.labels("c").increment(by: 3)
        func sampleLines() -> [String] {
            registry.render(.prometheusText).split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
        }
        #expect(sampleLines() == [#"late_total{k="c"} 3"#, #"late_total{k="m"} 1"#])
        // New series after the order was cached, and a value change on a cached one.
        family.labels("a").increment(by: 2)
        family.labels("z").increment()
        family.labels("m").increment(by: 4)
        #expect(sampleLines() == [#"late_total{k="a"} 2"#, #"late_total{k="c"} 3"#, #"late_total{k="m"} 5"#, #"late_total{k="z"} 1"#])
    }

    @Test func storedNumbersAreSpelledAsSampleValueSpellsThem() {
        let registry = MetricsRegistry()
        let gauge = registry.gauge("spelled", help: "S.", labelNames: ["v"])
        let values: [Double] = [0, -3, 7, 1_000_000, -0x1p52, 0x1p53, 0.25, -1e-5, 1.5e300, .nan, .infinity, -.infinity]
        for (index, value) in values.enumerated() { gauge.labels(String(UnicodeScalar(UInt8(65 + index)))).set(value) }
        let lines = registry.render(.prometheusText).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.map { String($0.split(separator: " ").last!) } == [
            "0", "-3", "7", "1000000", "-4503599627370496", "9.007199254740992e+15", "0.25", "-1e-05", "1.5e+300", "NaN", "+Inf", "-Inf",
        ])
    }

    @Test func counterNamesAlwaysEndInTotal() {
        let registry = MetricsRegistry()
        let plain = registry.counter("restarts", help: "Restarts.")
        let suffixed = registry.counter("restarts_total", help: "Restarts.")
        #expect(plain === suffixed)
        plain.labels().increment(by: 2)
        #expect(registry.render(.prometheusText) == "# HELP restarts_total Restarts.\n# TYPE restarts_total counter\nrestarts_total 2\n")
        #expect(registry.render(.openMetrics) == "# TYPE restarts counter\n# HELP restarts Restarts.\nrestarts_total 2\n# EOF\n")
    }

    @Test func registeringAgainReturnsTheSameFamily() {
        let registry = MetricsRegistry()
        let first = registry.histogram("h_seconds", help: "H.", labelNames: ["a"], buckets: [1, 2])
        let second = registry.histogram("h_seconds", help: "H again.", labelNames: ["a"], buckets: [1, 2, .infinity])
        #expect(first === second)
        #expect(first.labels("x") === second.labels("x"))
        let gauge = registry.gauge("g", help: "G.")
        #expect(gauge === registry.gauge("g", help: "G."))
    }

    @Test func counterAndGaugeHandles() {
        let registry = MetricsRegistry()
        let counter = registry.counter("c_total", help: "C.").labels()
        counter.increment()
        counter.increment(by: 2)
        counter.increment(by: UInt64(3))
        counter.increment(by: 0.5)
        #expect(counter.value == 6.5)
        let gauge = registry.gauge("g", help: "G.").labels()
        gauge.set(10)
        gauge.increment()
        gauge.decrement(by: 4.5)
        #expect(gauge.value == 6.5)
        #expect(registry.render(.prometheusText).contains("\nc_total 6.5\n"))
        #expect(registry.render(.prometheusText).contains("\ng 6.5\n"))
    }

    @Test func histogramBucketsAreCumulativeAndInclusive() {
        let registry = MetricsRegistry()
        let histogram = registry.histogram("h_seconds", help: "H.", buckets: [1, 2, 5]).labels()
        for value in [0.5, 1, 1.5, 2, 4.5, 5, 5.5, 1000, .nan] { histogram.observe(value) }
        histogram.observe(.milliseconds(1500))
        let lines = registry.render(.prometheusText).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines == [
            #"h_seconds_bucket{le="1"} 2"#, #"h_seconds_bucket{le="2"} 5"#, #"h_seconds_bucket{le="5"} 7"#,
            #"h_seconds_bucket{le="+Inf"} 9"#, "h_seconds_sum 1021.5", "h_seconds_count 9",
        ])
    }

    @Test func collectedHistogramGetsAnInfBucket() {
        let registry = MetricsRegistry()
        registry.collector("c_seconds", help: "C.", type: .histogram, labelNames: []) {
            [CollectedSample(value: .histogram(buckets: [(0.1, 1), (1, 3)], count: 4, sum: 2.5))]
        }
        let lines = registry.render(.openMetrics).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines == [
            #"c_seconds_bucket{le="0.1"} 1"#, #"c_seconds_bucket{le="1.0"} 3"#, #"c_seconds_bucket{le="+Inf"} 4"#,
            "c_seconds_sum 2.5", "c_seconds_count 4",
        ])
    }

    @Test func collectorsRunAtEveryScrapeAndDuplicatesAreDropped() {
        let registry = MetricsRegistry()
        let calls = CallCounter(0)
        registry.collector("bee_up", help: "Up.", type: .gauge, labelNames: ["bee"]) {
            let call = calls.next()
            return [CollectedSample(labelValues: ["b"], Double(call)), CollectedSample(labelValues: ["a"], 1), CollectedSample(labelValues: ["b"], -1)]
        }
        #expect(registry.render(.prometheusText).split(separator: "\n").filter { !$0.hasPrefix("#") }.count == 2)
        #expect(registry.render(.prometheusText).contains("bee_up{bee=\"a\"} 1\n"))
        #expect(calls.next() == 3)
    }

    @Test func emptyFamiliesStillHaveHelpAndType() {
        let registry = MetricsRegistry()
        _ = registry.counter("empty_total", help: "Nothing yet.", labelNames: ["bee"])
        #expect(registry.render(.prometheusText) == "# HELP empty_total Nothing yet.\n# TYPE empty_total counter\n")
        #expect(registry.render(.openMetrics) == "# TYPE empty counter\n# HELP empty Nothing yet.\n# EOF\n")
        #expect(MetricsRegistry().render(.openMetrics) == "# EOF\n")
    }
}

/// A tiny thread-safe call counter for collector closures.
final class CallCounter: Sendable {
    private let value: Mutex<Int>
    init(_ start: Int) { value = Mutex(start) }
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
