import BeekeeperMetrics
import Foundation
import Testing

/// The exposition read by the real tools: promtool (Go's parser and linter) and prometheus_client's two
/// parsers. Outside CI a missing tool skips its test; with CI=true it fails.
@Suite struct ExternalParserTests {
    static let promtool = findExecutable("promtool")
    static let python = findExecutable("python3")
    static let pythonHasClient: Bool = {
        guard let python else { return false }
        return (try? run(python, ["-c", "import prometheus_client"]).status) == 0
    }()

    /// Every kind of family, hostile label values, NaN and +Inf, process metrics and windows.
    static func fullRegistry() -> MetricsRegistry {
        let registry = ExpositionTests.sampleRegistry()
        let hostile = registry.counter("beekeeper_http_requests_total", help: "Requests \"quoted\" \\ and\nnewline.", labelNames: ["handler", "code"])
        hostile.labels("q\"uote\\back\nnew}=,🐝", "200").increment(by: 7)
        hostile.labels("/v1/tasks", "500").increment()
        registry.gauge("beekeeper_shipper_backlog_bytes", help: "Backlog.").labels().set(-.infinity)
        registry.gauge("beekeeper_odd_value", help: "NaN gauge.").labels().set(.nan)
        let clock = ManualClock()
        let windows = LatencyWindows(window: .seconds(60), quantiles: [0.5, 0.9, 0.95, 0.99], clock: clock)
        windows.register(in: registry)
        windows.record(bee: "echo", funcname: "say \"hi\"", seconds: 0.125, success: true)
        windows.record(bee: "echo", funcname: "say \"hi\"", seconds: 0.5, success: false)
        windows.record(bee: "gone", funcname: "f", seconds: 1, success: true)
        clock.advance(by: .seconds(61))
        windows.record(bee: "echo", funcname: "say \"hi\"", seconds: 0.25, success: true)
        ProcessMetrics.register(in: registry)
        return registry
    }

    @Test(.enabled(if: promtool != nil || runningInCI, "promtool is not installed (Debian package prometheus)"))
    func promtoolFindsNothing() throws {
        let promtool = try #require(Self.promtool, "promtool is required when CI=true")
        let result = try run(promtool, ["check", "metrics"], input: Self.fullRegistry().render(.prometheusText))
        #expect(result.status == 0)
        #expect(result.output == "")
        #expect(result.error == "")
    }

    struct Family: Decodable {
        var name: String
        var type: String
        var help: String
        var samples: [Sample]
    }

    struct Sample: Decodable {
        var name: String
        var labels: [String: String]
        var value: String  // Python's repr, so NaN and inf survive JSON
    }

    static let parserScript = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families as text
        from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
        parse = openmetrics if sys.argv[1] == "openmetrics" else text
        print(json.dumps([
            {"name": f.name, "type": f.type, "help": f.documentation,
             "samples": [{"name": s.name, "labels": s.labels, "value": repr(float(s.value))} for s in f.samples]}
            for f in parse(sys.stdin.read())]))
        """

    @Test(
        .enabled(if: pythonHasClient || runningInCI, "python3 with prometheus_client is not installed"),
        arguments: [ExpositionFormat.prometheusText, .openMetrics])
    func prometheusClientParses(format: ExpositionFormat) throws {
        let python = try #require(Self.python, "python3 is required when CI=true")
        try #require(Self.pythonHasClient, "prometheus_client is required when CI=true (pip install prometheus_client)")
        let argument = format == .openMetrics ? "openmetrics" : "text"
        let result = try run(python, ["-c", Self.parserScript, argument], input: Self.fullRegistry().render(format))
        try #require(result.status == 0, "parser failed: \(result.error)")
        let families = try JSONDecoder().decode([Family].self, from: Data(result.output.utf8))
        func family(_ name: String) throws -> Family { try #require(families.first { $0.name == name }, "no family \(name)") }
        func value(_ family: Family, _ sample: String, _ labels: [String: String]) -> String? {
            family.samples.first { $0.name == sample && $0.labels == labels }?.value
        }

        // Both parsers name a counter family without _total and keep the sample name.
        let requests = try family("beekeeper_http_requests")
        #expect(requests.type == "counter")
        #expect(requests.help == "Requests \"quoted\" \\ and\nnewline.")
        #expect(value(requests, "beekeeper_http_requests_total", ["handler": "q\"uote\\back\nnew}=,🐝", "code": "200"]) == "7.0")
        #expect(value(requests, "beekeeper_http_requests_total", ["handler": "/v1/tasks", "code": "500"]) == "1.0")

        let durations = try family("beekeeper_task_duration_seconds")
        #expect(durations.type == "histogram")
        let le = format == .openMetrics ? "1.0" : "1"
        #expect(value(durations, "beekeeper_task_duration_seconds_bucket", ["bee": "echo", "le": le]) == "2.0")
        #expect(value(durations, "beekeeper_task_duration_seconds_bucket", ["bee": "echo", "le": "+Inf"]) == "3.0")
        #expect(value(durations, "beekeeper_task_duration_seconds_count", ["bee": "echo"]) == "3.0")
        #expect(value(durations, "beekeeper_task_duration_seconds_sum", ["bee": "echo"]) == "90.504")

        let latency = try family("beekeeper_task_latency_seconds")
        #expect(latency.type == "summary")
        let windowLabels = ["bee": "echo", "funcname": "say \"hi\""]
        #expect(value(latency, "beekeeper_task_latency_seconds", windowLabels.merging(["quantile": "0.5"]) { $1 }) == "0.25")
        #expect(value(latency, "beekeeper_task_latency_seconds_count", windowLabels) == "3.0")
        #expect(value(latency, "beekeeper_task_latency_seconds", ["bee": "gone", "funcname": "f", "quantile": "0.99"]) == "nan")
        #expect(value(try family("beekeeper_rpc_latency_seconds"), "beekeeper_rpc_latency_seconds", ["bee": "idle", "quantile": "0.5"]) == "nan")

        #expect(value(try family("beekeeper_audit_last_seq"), "beekeeper_audit_last_seq", [:]) == "inf")
        #expect(value(try family("beekeeper_shipper_backlog_bytes"), "beekeeper_shipper_backlog_bytes", [:]) == "-inf")
        #expect(value(try family("beekeeper_odd_value"), "beekeeper_odd_value", [:]) == "nan")
        #expect(value(try family("beekeeper_task_error_ratio"), "beekeeper_task_error_ratio", windowLabels) == "0.0")
        #expect(try family("process_cpu_seconds").type == "counter")
        let openFileDescriptors = try #require(value(try family("process_open_fds"), "process_open_fds", [:]).flatMap(Double.init))
        #expect(openFileDescriptors >= 3)

        // Families come out in the same order in both formats: sorted by the 0.0.4 name.
        #expect(families.map(\.name) == [
            "beekeeper_audit_last_seq", "beekeeper_audit_write_errors", "beekeeper_http_requests", "beekeeper_odd_value",
            "beekeeper_rpc_latency_seconds", "beekeeper_shipper_backlog_bytes", "beekeeper_task_duration_seconds",
            "beekeeper_task_error_ratio", "beekeeper_task_latency_seconds", "beekeeper_task_throughput_per_second",
            "beekeeper_tasks_in_flight", "beekeeper_tasks", "process_cpu_seconds", "process_open_fds",
            "process_resident_memory_bytes", "process_start_time_seconds",
        ])
    }
}
