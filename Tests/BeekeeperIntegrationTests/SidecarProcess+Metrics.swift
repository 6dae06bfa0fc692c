import BeekeeperCore
import Curl
import Foundation

/// Guardian decisions as counted somewhere (metrics, /v1/stats, the audit log): approvals, and
/// blocks by reason.
struct GuardianCounts: Equatable, CustomStringConvertible {
    var approved = 0
    var blocked: [String: Int] = [:]

    var total: Int { approved + blocked.values.reduce(0, +) }

    var description: String {
        "approved \(approved), blocked " + blocked.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// Every count at least the other's: counters never go down.
    func covers(_ other: GuardianCounts) -> Bool {
        approved >= other.approved && other.blocked.allSatisfy { (blocked[$0.key] ?? 0) >= $0.value }
    }

    /// From `beekeeper_guardian_decisions_total{decision,reason}`.
    init(metrics: ParsedExposition) throws {
        for sample in metrics.samples("beekeeper_guardian_decisions_total") {
            guard sample.value == sample.value.rounded(), sample.value >= 0 else {
                throw HarnessError("guardian decision count is not a whole number: \(sample)")
            }
            switch sample.labels["decision"] {
            case "approved"?: approved += Int(sample.value)
            // Every possible reason is exported from the start; a 0 is "not blocked yet".
            case "blocked"?: if sample.value > 0 { blocked[sample.labels["reason"] ?? "", default: 0] += Int(sample.value) }
            default: throw HarnessError("unexpected decision label: \(sample)")
            }
        }
    }

    /// From the `guardian` object of `/v1/stats`.
    init(stats: JSONValue) throws {
        guard let approved = stats.value(atPath: "guardian.approved")?.intValue, let blocked = stats.value(atPath: "guardian.blocked")?.objectValue else {
            throw HarnessError("no guardian stats in \(stats.serialized())")
        }
        self.approved = approved
        for member in blocked { self.blocked[member.key] = member.value.intValue ?? -1 }
    }

    /// From audit records: `task.approved` and `task.blocked` by reason.
    init(approvedRecords: [JSONValue], blockedRecords: [JSONValue]) {
        approved = approvedRecords.count
        for record in blockedRecords { blocked[record["reason"]?.stringValue ?? "(no reason)", default: 0] += 1 }
    }

    init(approved: Int = 0, blocked: [String: Int] = [:]) {
        self.approved = approved
        self.blocked = blocked
    }
}

extension SidecarProcess {
    var configPath: String { directory + "/beekeeper.yaml" }

    static let openMetricsAccept = "application/openmetrics-text; version=1.0.0"

    /// GET /metrics, in the default text format or, with `openMetrics`, asking for OpenMetrics 1.0.0.
    func scrape(openMetrics: Bool = false, bearerToken: String? = nil) async throws -> HTTPClientResponse {
        var headers: [(String, String)] = []
        if openMetrics { headers.append(("Accept", SidecarProcess.openMetricsAccept)) }
        if let bearerToken { headers.append(("Authorization", "Bearer \(bearerToken)")) }
        return try await get("/metrics", headers: headers)
    }

    /// Runs the `beekeeper` CLI with stdout and stderr apart (stdout through a pipe, so never a terminal).
    func cliSeparated(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") && $0.key != "NO_COLOR" }.merging(environment) { $1 }
        let result = try Program.run(SidecarProcess.binary, arguments, directory: directory, environment: env)
        return (result.status, result.stdout, result.stderr)
    }

    /// `beekeeper audit query --type TYPE --format jsonl` over every segment (live, sealed, gzip).
    func queryAudit(type: String) throws -> [JSONValue] {
        let result = try cliSeparated(["audit", "query", "--type", type, "--format", "jsonl", "--config", configPath])
        guard result.status == 0 else {
            throw HarnessError("audit query --type \(type) exited \(result.status): \(result.stderr)\(result.stdout)")
        }
        return try result.stdout.split(separator: "\n").map { line in
            do {
                return try JSONValue.parse(Array(line.utf8))
            } catch {
                throw HarnessError("audit query printed a line that is not JSON: \(line)")
            }
        }
    }

    /// Guardian decisions recorded in the audit log, counted by the CLI over all segments.
    func guardianDecisionsInAudit() throws -> GuardianCounts {
        GuardianCounts(approvedRecords: try queryAudit(type: "task.approved"), blockedRecords: try queryAudit(type: "task.blocked"))
    }

    /// Guardian counts from `/metrics` (parsed by prometheus_client) and from `/v1/stats`.
    func guardianCountsServed(bearerToken: String? = nil) async throws -> (metrics: GuardianCounts, stats: GuardianCounts) {
        let scrape = try await self.scrape(bearerToken: bearerToken)
        guard scrape.status == 200 else { throw HarnessError("/metrics answered \(scrape.status)") }
        let metrics = try GuardianCounts(metrics: MetricsTools.parse(scrape.body, openMetrics: false))
        var headers: [(String, String)] = []
        if let bearerToken { headers.append(("Authorization", "Bearer \(bearerToken)")) }
        let stats = try await get("/v1/stats", headers: headers)
        guard stats.status == 200 else { throw HarnessError("/v1/stats answered \(stats.status)") }
        return (metrics, try GuardianCounts(stats: JSONValue.parse(stats.body)))
    }
}
