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
    static let ruleTests = root + "/prometheus/tests/beekeeper.rules.test.yml"
    /// Recording rules and alerts in the rules file: 9 and 17.
    static let ruleCount = 26

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
        #expect(config.output.contains("SUCCESS: \(Self.ruleCount) rules found"), "\(config.output)")
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

    @Test("the ColonyOS row reads the recording rules, and every alert has unit tests that fire it and keep it quiet")
    func coloniesPanelsAndAlerts() throws {
        let queries = try Self.queries()
        let rules = try Self.ruleNames()
        #expect(rules.count == Self.ruleCount, "\(rules.sorted())")
        // Every recording rule a panel reads is defined in the rules file.
        let recorded = try NSRegularExpression(pattern: #"\bbeekeeper:[a-z0-9_:]+"#)
        for query in queries {
            let range = NSRange(query.expr.startIndex..., in: query.expr)
            for match in recorded.matches(in: query.expr, range: range) {
                let name = String(query.expr[Range(match.range, in: query.expr)!])
                #expect(rules.contains(name), "\(query.panel): \(name) is not a recording rule in \(Self.rulesFile)")
            }
        }
        let colonies = Dictionary(grouping: queries.filter { $0.expr.contains("colonies") }, by: \.panel).mapValues { $0.map(\.expr) }
        #expect(Set(colonies.keys) == ["Colonies connection", "Processes assigned", "Reports by result", "RPC latency"], "\(colonies.keys.sorted())")
        #expect(colonies["Colonies connection"]?.first?.contains("beekeeper_colonies_up{") == true)
        #expect(colonies["Processes assigned"]?.first?.contains("beekeeper:colonies_assigned:rate5m{") == true)
        #expect(colonies["Reports by result"]?.first?.contains("sum by (result) (beekeeper:colonies_reports:rate5m{") == true)
        let latency = colonies["RPC latency"] ?? []
        #expect(latency.count == 2 && latency.allSatisfy { $0.contains("sum by (le, msgtype) (beekeeper:colonies_rpc_duration_seconds_bucket:rate5m{") })
        #expect(latency.contains { $0.hasPrefix("histogram_quantile(0.5,") } && latency.contains { $0.hasPrefix("histogram_quantile(0.99,") })
        let row = try DeploymentFilesTests.python("""
            import json, sys
            panels = json.load(open(sys.argv[1]))['panels']
            start = next(i for i, p in enumerate(panels) if p['type'] == 'row' and p['title'] == 'ColonyOS source')
            end = next((i for i in range(start + 1, len(panels)) if panels[i]['type'] == 'row'), len(panels))
            print(json.dumps(sorted(p['title'] for p in panels[start + 1:end])))
            """, [Self.dashboard])
        #expect(row == ["Colonies connection", "Processes assigned", "RPC latency", "Reports by result"], "\(row.serialized())")

        // Each alert has a unit test case where it fires; the ColonyOS ones also have cases where
        // they must stay quiet, one of them a fleet with no `colonies` section at all.
        let cases = try DeploymentFilesTests.python("""
            import json, sys, yaml
            firing, quiet = set(), set()
            for test in yaml.safe_load(open(sys.argv[1]))['tests']:
                for case in test.get('alert_rule_test', []):
                    (firing if case.get('exp_alerts') else quiet).add(case['alertname'])
            print(json.dumps({'firing': sorted(firing), 'quiet': sorted(quiet)}))
            """, [Self.ruleTests])
        let alerts = try Self.ruleNames("alert")
        let firing = Set((cases["firing"]?.arrayValue ?? []).compactMap(\.stringValue))
        let quiet = Set((cases["quiet"]?.arrayValue ?? []).compactMap(\.stringValue))
        #expect(alerts.subtracting(firing).isEmpty, "alerts no unit test fires: \(alerts.subtracting(firing).sorted())")
        #expect(quiet.isSuperset(of: ["BeekeeperColoniesDown", "BeekeeperColoniesReportsLost"]), "\(quiet.sorted())")
        let expressions = try DeploymentFilesTests.python("""
            import json, sys, yaml
            rules = [r for g in yaml.safe_load(open(sys.argv[1]))['groups'] for r in g['rules'] if 'alert' in r]
            print(json.dumps({r['alert']: {'expr': r['expr'].strip(), 'for': r.get('for', '')} for r in rules}))
            """, [Self.rulesFile])
        #expect(expressions["BeekeeperColoniesDown"]?["expr"] == "beekeeper_colonies_up == 0")
        #expect(expressions["BeekeeperColoniesDown"]?["for"] == "5m")
        #expect(expressions["BeekeeperColoniesReportsLost"]?["expr"]?.stringValue?.contains(#"increase(beekeeper_colonies_reports_total{result="lost"}["#) == true)
    }

    @Test("the dashboard reads every recording rule, and recomputes none of them from the raw series")
    func dashboardUsesRecordingRules() throws {
        let queries = try Self.queries()
        let records = try Self.ruleNames("record")
        let used = Set(queries.flatMap { query in records.filter { query.expr.contains($0 + "{") || query.expr.contains($0 + ")") } })
        #expect(used == records, "recording rules no panel reads: \(records.subtracting(used).sorted())")
        // What a rule already computes, a panel does not compute again from the raw family (the
        // fsync p50 has no rule, so it still reads the buckets).
        let recomputed = [
            "rate(beekeeper_tasks_total", "rate(beekeeper_task_duration_seconds_bucket",
            #"decision="blocked"}[$__rate_interval]"#, "histogram_quantile(0.99, sum by (le) (rate(beekeeper_audit_fsync_duration_seconds_bucket",
        ]
        for query in queries {
            for raw in recomputed where query.expr.replacingOccurrences(of: "[1m]", with: "[$__rate_interval]").contains(raw) {
                Issue.record("\(query.panel)/\(query.ref) recomputes a recording rule from \(raw): \(query.expr)")
            }
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

    /// Panels with no data on a sidecar without backups, shipments or a `colonies` section, and the
    /// restart annotation.
    static func mayBeEmpty(_ query: Query) -> Bool {
        query.expr.contains("beekeeper_backup_") || query.panel == "Since last shipment" || query.panel.hasPrefix("annotation:")
            || query.expr.contains("colonies")
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

        // Without a `colonies` section the sidecar exports no ColonyOS sample (HELP and TYPE at most),
        // so BeekeeperColoniesDown (`beekeeper_colonies_up == 0`) has nothing to fire on.
        #expect(try await prometheus.query(#"{__name__=~"beekeeper_colonies_.*"}"#).isEmpty)
        #expect(try await prometheus.query(#"{__name__=~"beekeeper:colonies_.*"}"#).isEmpty)

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

    /// Alert and recording rule names in the rules file (`kinds`: "alert", "record" or both).
    static func ruleNames(_ kinds: String = "alert|record") throws -> Set<String> {
        let text = try String(contentsOfFile: rulesFile, encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"^\s*- (?:"# + kinds + #"): (\S+)\s*$"#, options: .anchorsMatchLines)
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
