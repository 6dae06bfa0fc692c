import BeekeeperCore
import Foundation
import Testing

/// `audit query --format`, its default off a terminal, `audit tail -n`, and unknown `--type` and
/// `--outcome` values as usage errors: the real CLI on a real sidecar's log.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct AuditCommandLineTests {
    @Test func formatsTailAndUsageErrors() async throws {
        let sidecar = try await SidecarProcess(config: { key, data in AuditHarness.config(keyHex: key, dataDir: data, audit: []) })
        for index in 0..<3 {
            #expect(try await sidecar.submit(["id": .string("cl-\(index)"), "funcname": "echo", "args": [.number(index)]]).status == 200)
        }
        #expect(try await sidecar.terminate() == 0)
        func cli(_ arguments: [String]) throws -> Program.Result {
            try Program.run(
                SidecarProcess.binary, arguments + ["--config", AuditHarness.configPath(sidecar)], directory: sidecar.directory,
                environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") })
        }

        // Not a terminal (a pipe): JSONL by default, the same as asked for.
        let plain = try cli(["audit", "query", "--task", "cl-1"])
        #expect(plain.status == 0)
        let jsonl = try cli(["audit", "query", "--task", "cl-1", "--format", "jsonl"])
        #expect(plain.stdout == jsonl.stdout)
        #expect(AuditHarness.jsonLines(jsonl.stdout).count == 4)
        // json: one array of the same records.
        let json = try cli(["audit", "query", "--task", "cl-1", "--format", "json"])
        #expect(try JSONValue.parse(json.stdout).arrayValue?.count == 4)
        #expect(try JSONValue.parse(try cli(["audit", "query", "--task", "nope", "--format", "json"]).stdout).arrayValue?.isEmpty == true)
        let table = try cli(["audit", "query", "--task", "cl-1", "--format", "table"])
        #expect(table.stdout.hasPrefix("SEQ "))
        #expect(table.stdout.split(separator: "\n").count == 5)

        // tail -n N: the last N lines of the log.
        let tail = try cli(["audit", "tail", "-n", "3"])
        #expect(tail.status == 0, "\(tail.output)")
        let all = AuditHarness.jsonLines(try cli(["audit", "query"]).stdout)
        #expect(AuditHarness.jsonLines(tail.stdout) == Array(all.suffix(3)))

        // Unknown values: exit 2, naming the valid ones.
        let outcome = try cli(["audit", "query", "--outcome", "succeded"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("succeeded") && outcome.stderr.contains("timed_out"), "\(outcome.stderr)")
        let type = try cli(["audit", "query", "--type", "task.blokced"])
        #expect(type.status == 2)
        #expect(type.stderr.contains("task.blocked"), "\(type.stderr)")
        #expect(try cli(["audit", "query", "--type", "task.*"]).status == 0)
    }
}
