import BeekeeperCore
import Curl
import Foundation
import Testing

/// `beekeeper stats` against a live sidecar, and the bearer token that guards `/metrics` and `/v1/stats`.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct StatsCommandTests {
    static let token = "s3cret-" + UUID().uuidString.lowercased()

    /// The standard configuration with `metrics.bearer_token_file`; the token file is written beside it.
    static func tokenConfig(keyHex: String, dataDir: String) -> String {
        let directory = (dataDir as NSString).deletingLastPathComponent
        let tokenFile = directory + "/metrics.token"
        _ = FileManager.default.createFile(atPath: tokenFile, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
        return SidecarProcess.standardConfig(
            keyHex: keyHex, dataDir: dataDir,
            extra: """
                metrics:
                  bearer_token_file: \(tokenFile)
                """)
    }

    /// Runs a known mix: 3 echo, 1 fail, 2 pattern-blocked, 1 validate_revenue.
    func runMix(_ sidecar: SidecarProcess) async throws {
        for index in 0..<3 { #expect(try await sidecar.submit(["funcname": "echo", "args": [.number(index)]]).status == 200) }
        #expect(try await sidecar.submit(["funcname": "fail"]).status == 502)
        for _ in 0..<2 { #expect(try await sidecar.submit(["funcname": "echo", "args": ["x'; DROP TABLE users; --"]]).status == 422) }
        let event: JSONValue = [
            "type": "invoice.paid",
            "data": ["object": ["amount_paid": 4200, "currency": "EUR", "metadata": ["userId": "8d0f7a52-3f6b-4a8e-9c1d-2b5e6f7a8b9c", "tier": "gold"]]],
        ]
        #expect(try await sidecar.submit(["funcname": "validate_revenue", "args": [event]]).status == 200)
    }

    /// Rows of the plain-text tables, split on runs of spaces.
    func rows(_ output: String) -> [[String]] {
        output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    @Test func bearerTokenGuardsMetricsAndStats() async throws {
        let sidecar = try await SidecarProcess(config: Self.tokenConfig)
        try await runMix(sidecar)
        for path in ["/metrics", "/v1/stats"] {
            let anonymous = try await sidecar.get(path)
            #expect(anonymous.status == 401, "\(path) without a token")
            #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Bearer") == true, "\(path)")
            #expect(try JSONValue.parse(anonymous.body).value(atPath: "error.code")?.stringValue?.isEmpty == false)
            #expect(try await sidecar.get(path, headers: [("Authorization", "Bearer wrong-\(Self.token)")]).status == 401, "\(path) with a wrong token")
            #expect(try await sidecar.get(path, headers: [("Authorization", "Basic \(Self.token)")]).status == 401, "\(path) with another scheme")
            #expect(try await sidecar.get(path, headers: [("Authorization", "Bearer \(Self.token)")]).status == 200, "\(path) with the token")
        }
        // Health and readiness stay open to probes.
        #expect(try await sidecar.get("/healthz").status == 200)
        #expect(try await sidecar.get("/readyz").status == 200)
        // The guarded exposition is still a valid one.
        if MetricsTools.available() {
            let scrape = try await sidecar.scrape(bearerToken: Self.token)
            #expect(try MetricsTools.promtoolProblems(scrape.body) == nil)
            let parsed = try MetricsTools.parse(scrape.body, openMetrics: false)
            #expect(parsed.value("beekeeper_http_requests_total", ["handler": "/metrics", "code": "401"]) == 3)
            #expect(parsed.value("beekeeper_http_requests_total", ["handler": "/v1/stats", "code": "401"]) == 3)
        }
    }

    @Test func statsCommandPrintsGuardianCountsAndWindowsFromTheLiveSidecar() async throws {
        let sidecar = try await SidecarProcess(config: Self.tokenConfig)
        try await runMix(sidecar)
        let stats = try JSONValue.parse(try await sidecar.get("/v1/stats", headers: [("Authorization", "Bearer \(Self.token)")]).body)
        let blockedReason = try #require(stats.value(atPath: "guardian.blocked")?.objectValue?.first?.key)
        #expect(blockedReason.hasPrefix("pattern:"))

        // The table: the token comes from metrics.bearer_token_file in the config.
        let table = try sidecar.cliSeparated(["stats", "--config", sidecar.configPath, "--server", sidecar.baseURL])
        #expect(table.status == 0, "stats: \(table.stderr)\(table.stdout)")
        #expect(!table.stdout.utf8.contains(0x1B), "piped output has ANSI escapes: \(table.stdout.debugDescription)")
        let lines = rows(table.stdout)
        #expect(lines.contains(["approved", "5"]), "no approved row with 5 in:\n\(table.stdout)")
        #expect(lines.contains(["blocked", blockedReason, "2"]), "no blocked row for \(blockedReason) with 2 in:\n\(table.stdout)")
        let header = try #require(lines.first { $0.first == "bee" && $0.contains("funcname") }, "no window header in:\n\(table.stdout)")
        #expect(header == ["bee", "funcname", "count", "per_s", "errors", "p50", "p90", "p95", "p99"])
        for (bee, funcname, count, errors) in [("tester", "echo", "3", "0.0%"), ("tester", "fail", "1", "100.0%"), ("finance", "validate_revenue", "1", "0.0%")] {
            let row = lines.first { $0.count >= 2 && $0[0] == bee && $0[1] == funcname }
            #expect(row?.count == header.count, "row for \(bee)/\(funcname): \(String(describing: row))\n\(table.stdout)")
            #expect(row?[2] == count, "count of \(bee)/\(funcname): \(String(describing: row))")
            #expect(row?[4] == errors, "errors of \(bee)/\(funcname): \(String(describing: row))")
            // Every quantile column holds a duration, not a dash.
            let quantiles = row.map { Array($0[5...]) } ?? []
            #expect(quantiles.count == 4 && quantiles.allSatisfy { $0.hasSuffix("ms") || $0.hasSuffix("s") }, "quantiles of \(bee)/\(funcname): \(quantiles)")
        }
        #expect(!lines.contains { $0.count >= 2 && $0[1] == "echo" && $0[0] != "tester" })

        // --json prints /v1/stats itself.
        let json = try sidecar.cliSeparated(["stats", "--json", "--config", sidecar.configPath, "--server", sidecar.baseURL])
        #expect(json.status == 0, "stats --json: \(json.stderr)")
        let printed = try JSONValue.parse(Array(json.stdout.utf8))
        #expect(printed["guardian"] == stats["guardian"])
        #expect(printed["bees"] == stats["bees"])
        #expect(printed["window_seconds"] == stats["window_seconds"])
        // Throughput moves with the clock; the rest of each window is fixed once the load is over.
        func fixed(_ windows: JSONValue?) -> [JSONValue] {
            (windows?.arrayValue ?? []).map { window in
                .object((window.objectValue ?? []).filter { $0.key != "throughput_per_second" })
            }
        }
        #expect(fixed(printed["windows"]) == fixed(stats["windows"]))
        #expect(fixed(printed["windows"]).count == 3)
        #expect(try GuardianCounts(stats: printed) == GuardianCounts(approved: 5, blocked: [blockedReason: 2]))

        // Without the token (no config, so no token file) the command fails with the 401 in its message.
        let anonymous = try sidecar.cliSeparated(["stats", "--server", sidecar.baseURL])
        #expect(anonymous.status == 1, "stats without a token exited \(anonymous.status)")
        #expect((anonymous.stderr + anonymous.stdout).contains("401"))
        // An explicit --token-file wins over the config.
        let wrongToken = sidecar.directory + "/wrong.token"
        try "not-the-token\n".write(toFile: wrongToken, atomically: true, encoding: .utf8)
        let wrong = try sidecar.cliSeparated(["stats", "--config", sidecar.configPath, "--server", sidecar.baseURL, "--token-file", wrongToken])
        #expect(wrong.status == 1)
    }
}
