import BeekeeperCore
import Foundation
import Testing

/// SPEC section 13: a start that finds fewer audit records than `state/` remembers refuses to
/// start (exit 1, naming the missing seq range) unless told to accept the gap; then the new
/// chain begins with an `audit.gap` record, and `audit verify` reports it as a fault.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct AuditGapTests {
    /// Runs `serve` on `sidecar`'s directory with `arguments`; returns its exit status and
    /// output, or nil as the status if it was still running (serving) after `timeout`.
    static func serveExpectingExit(
        _ sidecar: SidecarProcess, arguments: [String] = [], timeout: Duration = .seconds(30)
    ) async throws -> (status: Int32?, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SidecarProcess.binary)
        process.arguments = ["serve", "--config", AuditHarness.configPath(sidecar)] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: sidecar.directory)
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") }
        let logPath = sidecar.directory + "/refused-start.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        var status: Int32? = nil
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        } else {
            status = process.terminationStatus
        }
        process.waitUntilExit()
        return (status, (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }

    @Test func aDeletedLiveSegmentRefusesTheStartUntilTheGapIsAccepted() async throws {
        let first = try await SidecarProcess()
        for index in 0..<3 {
            #expect(try await first.submit(["id": .string("before-\(index)"), "funcname": "echo"]).status == 200)
        }
        #expect(try await first.terminate() == 0)
        let lastSeq = try #require(AuditHarness.seqs(try AuditHarness.records(first.auditDir)).last)
        let names = try AuditHarness.segmentNames(first.auditDir)
        #expect(names.count == 1, "\(names)")
        for name in names { try FileManager.default.removeItem(atPath: first.auditDir + "/" + name) }

        // Without the flag: exit 1, naming the missing range; nothing served.
        let refused = try await Self.serveExpectingExit(first)
        #expect(refused.status == 1, "a start that lost seq 1-\(lastSeq) did not refuse: \(refused.output)")
        #expect(refused.output.contains("seq 1-\(lastSeq)"), "\(refused.output)")
        #expect(refused.output.contains("--accept-audit-gap"), "\(refused.output)")
        #expect(!refused.output.contains("beekeeper listening"), "\(refused.output)")

        // With the flag: serves, and the new chain begins with audit.gap naming the range.
        let second = try await SidecarProcess(restarting: first, arguments: ["--accept-audit-gap"])
        #expect(try await second.submit(["id": "after-gap", "funcname": "echo"]).status == 200)
        #expect(try await second.terminate() == 0)
        let records = try AuditHarness.records(second.auditDir)
        let gap = try #require(records.first)
        #expect(gap["type"] == "audit.gap", "\(gap.serialized())")
        #expect(gap["seq"]?.intValue == 1)
        #expect(gap["missing_from"]?.intValue == 1)
        #expect(gap["missing_to"]?.intValue == lastSeq)
        #expect(gap["expected_last_chain"]?.stringValue?.count == 64)
        #expect(gap["reason"]?.stringValue?.isEmpty == false)
        #expect(records.filter { $0["type"] == "audit.gap" }.count == 1)

        // An auditor's verify names the gap by file and line, and fails.
        let verify = try AuditHarness.cli(second, ["audit", "verify"])
        #expect(verify.status == 1, "\(verify.output)")
        #expect(verify.output.contains("audit-0000000000000001.jsonl:1:"), "\(verify.output)")
        #expect(verify.output.contains("seq 1-\(lastSeq)"), "\(verify.output)")

        // The accepted gap is accepted once: the next plain start serves without the flag.
        let third = try await SidecarProcess(restarting: second)
        #expect(try await third.terminate() == 0)
        #expect(try AuditHarness.records(third.auditDir).filter { $0["type"] == "audit.gap" }.count == 1)
    }

    /// A clean restart and a kill -9 restart never see a gap (the position trails the log).
    @Test func restartsWithoutLossNeedNoFlag() async throws {
        let first = try await SidecarProcess()
        #expect(try await first.submit(["id": "one", "funcname": "echo"]).status == 200)
        #expect(try await first.terminate() == 0)
        let second = try await SidecarProcess(restarting: first)
        #expect(try await second.submit(["id": "two", "funcname": "echo"]).status == 200)
        try await second.kill9()
        let third = try await SidecarProcess(restarting: second)
        #expect(try await third.terminate() == 0)
        let verify = try AuditHarness.cli(third, ["audit", "verify"])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(FileManager.default.fileExists(atPath: third.dataDir + "/state/audit-position.json"))
    }
}
