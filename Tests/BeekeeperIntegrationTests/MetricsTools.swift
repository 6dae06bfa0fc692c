import BeekeeperCore
import Foundation
import Testing

/// The outside judges of an exposition: `promtool check metrics` and prometheus_client's two parsers
/// (through Tools/parse_metrics.py).
enum MetricsTools {
    static let parseScript = SidecarProcess.packageRoot + "/Tests/BeekeeperIntegrationTests/Tools/parse_metrics.py"

    static let promtool: String? = Requirements.which("promtool")

    static let hasPrometheusClient: Bool = {
        (try? run(SidecarProcess.python, ["-c", "import prometheus_client.parser, prometheus_client.openmetrics.parser"], stdin: []))?.status == 0
    }()

    /// True when promtool and prometheus_client are both here. In CI their absence is a failure;
    /// elsewhere the caller skips with the message recorded.
    static func available(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        var missing: [String] = []
        if promtool == nil { missing.append("promtool") }
        if !hasPrometheusClient { missing.append("python3 with prometheus_client") }
        guard !missing.isEmpty else { return true }
        if Requirements.isCI {
            Issue.record("\(missing.joined(separator: " and ")) required in CI", sourceLocation: sourceLocation)
        } else {
            print("skipping: \(missing.joined(separator: " and ")) not installed")
        }
        return false
    }

    /// `promtool check metrics` on the exposition: a clean one gives exit 0 and no output at all.
    static func promtoolProblems(_ exposition: [UInt8]) throws -> String? {
        guard let promtool else { throw HarnessError("promtool is not installed") }
        let result = try run(promtool, ["check", "metrics"], stdin: exposition)
        let output = result.stdout + result.stderr
        if result.status == 0, output.isEmpty { return nil }
        return "promtool exit \(result.status): \(output)"
    }

    /// Parses with prometheus_client's text parser (`openMetrics: false`) or its OpenMetrics parser;
    /// a parse error throws with the parser's message.
    static func parse(_ exposition: [UInt8], openMetrics: Bool) throws -> ParsedExposition {
        let mode = openMetrics ? "openmetrics" : "text"
        let result = try run(SidecarProcess.python, [parseScript, mode], stdin: exposition)
        guard result.status == 0 else {
            throw HarnessError("the \(mode) parser refused the exposition (exit \(result.status)): \(result.stderr)")
        }
        return try ParsedExposition(json: JSONValue.parse(Array(result.stdout.utf8)))
    }

    /// Runs a tool with `stdin` as its input; stdout and stderr come back apart (see `Program`).
    static func run(_ executable: String, _ arguments: [String], stdin: [UInt8]) throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try Program.run(executable, arguments, stdin: stdin)
        return (result.status, result.stdout, result.stderr)
    }
}
