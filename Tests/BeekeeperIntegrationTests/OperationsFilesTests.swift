import BeekeeperCore
import Foundation
import Testing

/// The files operators deploy: `prometheus/` (scrape config, rules and their unit tests) and
/// `grafana/` (dashboard and provisioning), judged by promtool and by a real Prometheus that
/// scrapes a real sidecar and runs every rule and every dashboard query.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct OperationsFilesTests {
    static let root = SidecarProcess.packageRoot
    static let rulesFile = root + "/prometheus/rules/beekeeper.rules.yml"
    static let dashboard = root + "/grafana/dashboards/beekeeper.json"
    static let dashboardQueries = root + "/Tests/BeekeeperIntegrationTests/Tools/dashboard_queries.py"

    /// promtool, or a recorded failure in CI (a skip elsewhere).
    static func promtool(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        if let promtool = MetricsTools.promtool { return promtool }
        if Requirements.isCI { Issue.record("promtool required in CI", sourceLocation: sourceLocation) } else { print("skipping: promtool not installed") }
        return nil
    }

    @Test("promtool accepts the scrape config and the rules, and the rules pass their unit tests")
    func promtoolChecks() throws {
        guard let promtool = Self.promtool() else { return }
        let config = try Program.run(promtool, ["check", "config", "prometheus/prometheus.yml"], directory: Self.root)
        #expect(config.status == 0, "\(config.output)")
        #expect(config.output.contains("SUCCESS: 21 rules found"), "\(config.output)")
        let rules = try Program.run(promtool, ["check", "rules", Self.rulesFile])
        #expect(rules.status == 0, "\(rules.output)")
        let unit = try Program.run(promtool, ["test", "rules", "prometheus/tests/beekeeper.rules.test.yml"], directory: Self.root)
        #expect(unit.status == 0, "\(unit.output)")
        #expect(unit.output.contains("SUCCESS"), "\(unit.output)")
    }

    /// Metric names a PromQL text or rules file uses: SPEC families (with histogram/summary
    /// suffixes) or the rules' own recording names.
    static func metricNames(in text: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: #"\b(?:beekeeper|process)_[a-z_]+\b"#)
        let range = NSRange(text.startIndex..., in: text)
        return Set(pattern.matches(in: text, range: range).map { String(text[Range($0.range, in: text)!]) })
    }

    static func knownFamily(_ name: String) -> Bool {
        let families = Set(MetricsSpec.families.map(\.name))
        if families.contains(name) { return true }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            if families.contains(String(name.dropLast(suffix.count))) { return true }
        }
        return false
    }

    @Test("the dashboard is what its generator writes, well formed, and names only SPEC metrics")
    func dashboardStructure() throws {
        let generated = try Program.run(SidecarProcess.python, [Self.root + "/scripts/gen-grafana-dashboard.py", "--check"])
        #expect(generated.status == 0, "\(generated.output)")
        let queries = try Self.queries()
        #expect(queries.count >= 30)
        var names: Set<String> = []
        for query in queries { names.formUnion(Self.metricNames(in: query.expr)) }
        names.formUnion(Self.metricNames(in: try String(contentsOfFile: Self.rulesFile, encoding: .utf8)))
        let unknown = names.filter { !Self.knownFamily($0) }
        #expect(unknown.isEmpty, "not SPEC section 8 families: \(unknown.sorted())")
        // Every SPEC family appears somewhere an operator looks.
        let shown = Set(names.map { name in ["_bucket", "_sum", "_count"].reduce(name) { $0.hasSuffix($1) ? String($0.dropLast($1.count)) : $0 } })
        let missing = MetricsSpec.families.map(\.name).filter { !shown.contains($0) }
        #expect(missing.isEmpty, "SPEC families on no panel and in no rule: \(missing)")
        for file in ["grafana/provisioning/datasources/prometheus.yml", "grafana/provisioning/dashboards/beekeeper.yml"] {
            #expect(FileManager.default.fileExists(atPath: Self.root + "/" + file), "\(file) missing")
        }
    }

    struct Query {
        var panel: String
        var ref: String
        var expr: String
    }

    static func queries(rateInterval: String = "1m") throws -> [Query] {
        let result = try Program.run(SidecarProcess.python, [dashboardQueries, dashboard, rateInterval])
        guard result.status == 0 else { throw HarnessError("dashboard_queries.py: \(result.output)") }
        guard case .array(let items) = try JSONValue.parse(result.stdout) else { throw HarnessError("not a list: \(result.stdout)") }
        return items.map { Query(panel: $0["panel"]?.stringValue ?? "", ref: $0["ref"]?.stringValue ?? "", expr: $0["expr"]?.stringValue ?? "") }
    }

    /// Panels with no data on a sidecar without backups or shipments, and the restart annotation.
    static func mayBeEmpty(_ query: Query) -> Bool {
        query.expr.contains("beekeeper_backup_") || query.panel == "Since last shipment" || query.panel.hasPrefix("annotation:")
    }

    @Test("a real Prometheus scraping a live sidecar: every rule evaluates cleanly, every dashboard query answers")
    func liveRulesAndDashboard() async throws {
        guard Self.promtool() != nil else { return }
        guard PrometheusServer.binary != nil else {
            if Requirements.isCI { Issue.record("prometheus required in CI") } else { print("skipping: prometheus not installed") }
            return
        }
        let sidecar = try await SidecarProcess()
        let prometheus = try await PrometheusServer(targets: ["127.0.0.1:\(sidecar.port)"], ruleFiles: [Self.rulesFile])
        try await Self.waitFor("the first scrape", prometheus) { try await prometheus.query("up == 1").count == 1 }

        // The load happens between scrapes, so rates see it.
        for index in 0..<8 { #expect(try await sidecar.submit(["funcname": "echo", "args": [.number(index)]]).status == 200) }
        for _ in 0..<4 { #expect(try await sidecar.submit(["funcname": "fail"]).status == 502) }
        for argument in ["x'; DROP TABLE users; --", "; rm -rf / #"] {
            #expect(try await sidecar.submit(["funcname": "echo", "args": [.string(argument)]]).status == 422)
        }
        // The recording rules mean what they say on real data: once a scrape after the whole load
        // was evaluated, a funcname that always fails has ratio 1, and blocks show.
        try await Self.waitFor("the rates of the load", prometheus) {
            let failing = try await prometheus.query(#"beekeeper:task_errors:ratio_rate5m{funcname="fail"} == 1"#).count
            let blocks = try await Self.value(prometheus, #"sum(beekeeper:guardian_blocks:rate5m) > 0"#)
            // Series born with the load (HTTP handler/code pairs) need two samples for rate().
            let youngest = try await Self.value(prometheus, "min(count_over_time(beekeeper_http_requests_total[1m]))")
            return failing == 1 && blocks != nil && (youngest ?? 0) >= 2
        }
        #expect(try await Self.value(prometheus, #"beekeeper:task_errors:ratio_rate5m{funcname="echo"}"#) == 0)
        #expect(try await Self.value(prometheus, #"beekeeper:task_duration_seconds:p99_5m{funcname="echo"} > 0"#) != nil)
        // A funcname that never ran: its zero series make the ratio 0/0, NaN, which no alert threshold passes.
        #expect(try await Self.value(prometheus, #"beekeeper:task_errors:ratio_rate5m{funcname="flaky"}"#)?.isNaN == true)

        // Every rule of the file is loaded and evaluates without error.
        let expected = try Self.ruleNames()
        var seen: [String: String] = [:]
        try await Self.waitFor("every rule evaluated", prometheus) {
            seen = try await Self.ruleHealth(prometheus)
            return Set(seen.keys) == expected && !seen.values.contains("unknown")
        }
        #expect(Set(seen.keys) == expected)
        #expect(seen.filter { $0.value != "ok" }.isEmpty, "rules not ok: \(seen.filter { $0.value != "ok" })")

        // Every dashboard query is valid PromQL for this Prometheus and, but for those that need
        // backups or shipments, finds data.
        for query in try Self.queries() {
            do {
                let result = try await prometheus.query(query.expr)
                if !Self.mayBeEmpty(query) {
                    #expect(!result.isEmpty, "\(query.panel)/\(query.ref) found no data: \(query.expr)")
                }
            } catch {
                Issue.record("\(query.panel)/\(query.ref): \(error)")
            }
        }
        _ = try await sidecar.terminate()
    }

    static func value(_ prometheus: PrometheusServer, _ expression: String) async throws -> Double? {
        guard let sample = try await prometheus.query(expression).first, case .array(let pair)? = sample["value"], pair.count == 2,
            let text = pair[1].stringValue
        else { return nil }
        return Double(text)
    }

    /// Alert and recording rule names in the rules file.
    static func ruleNames() throws -> Set<String> {
        let text = try String(contentsOfFile: rulesFile, encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"^\s*- (?:alert|record): (\S+)\s*$"#, options: .anchorsMatchLines)
        return Set(pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range(at: 1), in: text)!]) })
    }

    static func ruleHealth(_ prometheus: PrometheusServer) async throws -> [String: String] {
        var health: [String: String] = [:]
        guard case .array(let groups)? = try await prometheus.api("rules")["groups"] else { return [:] }
        for group in groups {
            guard case .array(let rules)? = group["rules"] else { continue }
            for rule in rules {
                if let name = rule["name"]?.stringValue { health[name] = rule["health"]?.stringValue ?? "?" }
                if let error = rule["lastError"]?.stringValue, !error.isEmpty { health[rule["name"]?.stringValue ?? "?"] = "err: \(error)" }
            }
        }
        return health
    }

    static func waitFor(_ what: String, _ prometheus: PrometheusServer, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw HarnessError("prometheus: no \(what) within \(timeout):\n\(prometheus.log.suffix(3000))")
    }
}
