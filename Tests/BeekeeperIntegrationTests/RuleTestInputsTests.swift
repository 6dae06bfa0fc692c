import BeekeeperCore
import Curl
import Foundation
import Testing

/// The alert rule tests (`prometheus/tests/*.yml`) feed series by hand; a series the binary never
/// exports (a wrong name, a label it does not carry) makes a test that passes while the alert can
/// never fire. Each `input_series` must match a series a real sidecar exports: same metric name and
/// same label names (values differ), with `job` and `instance` added by the scrape.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RuleTestInputsTests {
    static let ruleTests = SidecarProcess.packageRoot + "/prometheus/tests"

    /// Every `input_series` of every rule test file: the metric name and its label names.
    static func inputSeries() throws -> [(series: String, name: String, labels: Set<String>)] {
        let parsed = try DeploymentFilesTests.python("""
            import glob, json, re, sys, yaml
            out = []
            for path in sorted(glob.glob(sys.argv[1] + '/*.yml')):
                for test in yaml.safe_load(open(path))['tests']:
                    for item in test.get('input_series', []):
                        series = item['series']
                        match = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(?:\\{(.*)\\})?', series.strip())
                        labels = re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)\\s*=\\s*"(?:[^"\\\\]|\\\\.)*"', match.group(2) or '')
                        out.append({'series': series, 'name': match.group(1), 'labels': sorted(labels)})
            print(json.dumps(out))
            """, [Self.ruleTests])
        return (parsed.arrayValue ?? []).map { item in
            (item["series"]?.stringValue ?? "", item["name"]?.stringValue ?? "", Set((item["labels"]?.arrayValue ?? []).compactMap(\.stringValue)))
        }
    }

    @Test("every series the rule tests feed is one a live sidecar exports: same name, same label names")
    func inputsMatchALiveScrape() async throws {
        guard MetricsTools.available() else { return }
        // Every part that has series: bees, Guardian, audit, a shipper target, a backed-up
        // database (its gauges exist from the start), and a ColonyOS colony.
        let standIn = try ColoniesStandIn()
        _ = try standIn.setUp()
        let shipped = NSTemporaryDirectory() + "beekeeper-rule-inputs-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: shipped, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: shipped) }
        let extra = standIn.configSection() + """

            shipper:
              target: file://\(shipped)/
            backup:
              databases:
                - {name: colonies, url: "postgresql://postgres@127.0.0.1:1/none"}
            """
        let sidecar = try await SidecarProcess(config: { key, data in SidecarProcess.standardConfig(keyHex: key, dataDir: data, extra: extra) })
        // One process through the colony (RPCs, a report), tasks and a block over HTTP.
        let id = try standIn.submit("echo", args: ["hello"])
        _ = try standIn.wait(id)
        #expect(try await sidecar.submit(["funcname": "echo", "args": [.number(1)]]).status == 200)
        #expect(try await sidecar.submit(["funcname": "echo", "args": [.string("x'; DROP TABLE users; --")]]).status == 422)
        var exposition = try MetricsTools.parse(try await sidecar.scrape().body, openMetrics: false)
        let deadline = ContinuousClock.now + .seconds(30)
        while exposition.samples(name: "beekeeper_colonies_reports_total").isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            exposition = try MetricsTools.parse(try await sidecar.scrape().body, openMetrics: false)
        }

        let inputs = try Self.inputSeries()
        #expect(inputs.count >= 20, "\(inputs.count) input series")
        var checked: Set<String> = []
        for input in inputs {
            // `up` is Prometheus's own; `job` and `instance` are the scrape's.
            if input.name == "up" { continue }
            let labels = input.labels.subtracting(["job", "instance"])
            let key = input.name + " " + labels.sorted().joined(separator: ",")
            guard checked.insert(key).inserted else { continue }
            let exported = exposition.samples.filter { $0.name == input.name }.map { Set($0.labels.keys) }
            if !exported.contains(labels) {
                let seen = Set(exported.map { $0.sorted().joined(separator: ",") }).sorted()
                Issue.record("\(input.series): the binary exports \(input.name) with labels \(seen.isEmpty ? "none (no such series)" : seen.joined(separator: " | "))")
            }
        }
        _ = try await sidecar.terminate()
    }
}

extension ParsedExposition {
    func samples(name: String) -> [Sample] { samples.filter { $0.name == name } }
}
