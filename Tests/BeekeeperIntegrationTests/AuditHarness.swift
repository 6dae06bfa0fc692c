import BeekeeperCore
import Foundation
import Synchronization
import Testing
import Zlib

/// Helpers for the audit-log integration tests: configs with an `audit:` section of the test's
/// choosing, reading every segment (plain and gzip) straight from disk, and running tools.
enum AuditHarness {
    /// A configuration with the test bee (and optionally the sample Finance Bee) whose `audit:`
    /// section holds `audit` (one `key: value` per element).
    static func config(keyHex: String, dataDir: String, audit: [String], finance: Bool = false) -> String {
        var yaml = """
            data_dir: \(dataDir)
            listen: 127.0.0.1:0
            auth:
              keys: {ops: \(keyHex)}
              clock_skew: 60s
            audit:

            """
        for line in audit { yaml += "  \(line)\n" }
        yaml += """
            bees:
              - name: tester
                funcnames: [echo, fail, flaky, sleep, slow]
                kind: process
                command: [\(SidecarProcess.python), \(SidecarProcess.testBee)]
                concurrency: 4
                timeout: 10s
                max_queue: 200

            """
        if finance {
            yaml += """
                  - name: finance
                    funcnames: [validate_revenue]
                    kind: worker
                    command: [\(SidecarProcess.python), \(SidecarProcess.financeBee)]
                    concurrency: 2
                    timeout: 5s

                """
        }
        yaml += """
            guardian:
              max_payload_bytes: 64KiB

            """
        return yaml
    }

    static func configPath(_ sidecar: SidecarProcess) -> String { sidecar.directory + "/beekeeper.yaml" }

    /// `beekeeper ARGS --config <the sidecar's config>`: exit status and stdout+stderr.
    static func cli(_ sidecar: SidecarProcess, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try sidecar.cli(arguments + ["--config", configPath(sidecar)])
    }

    /// Segment file names of an audit directory in seq order (16-digit names sort as numbers).
    static func segmentNames(_ auditDir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: auditDir)
            .filter { $0.hasPrefix("audit-") && ($0.hasSuffix(".jsonl") || $0.hasSuffix(".jsonl.gz")) }
            .sorted()
    }

    /// The first seq a segment's name promises (`audit-0000000000000042.jsonl[.gz]` -> 42).
    static func firstSeq(of name: String) -> Int? {
        guard name.hasPrefix("audit-") else { return nil }
        return Int(name.dropFirst("audit-".count).prefix(16))
    }

    /// The decompressed bytes of a segment file.
    static func segmentBytes(_ path: String) throws -> [UInt8] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return path.hasSuffix(".gz") ? try Gzip.decompress(Array(data)) : Array(data)
    }

    /// The lines (without newline) of a segment; a final unterminated piece is included.
    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        var pieces = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        // "a\nb\n" splits into a, b and an empty piece after the last newline.
        if pieces.last?.isEmpty == true { pieces.removeLast() }
        return pieces
    }

    struct Located {
        var record: JSONValue
        var line: String
        var segment: String
    }

    /// Every record of every segment (sealed `.jsonl.gz`, sealed plain and live), in file order,
    /// with the segment that holds it.
    static func located(_ auditDir: String) throws -> [Located] {
        var result: [Located] = []
        for name in try segmentNames(auditDir) {
            for line in lines(try segmentBytes(auditDir + "/" + name)) {
                result.append(Located(record: try JSONValue.parse(line), line: String(decoding: line, as: UTF8.self), segment: name))
            }
        }
        return result
    }

    static func records(_ auditDir: String) throws -> [JSONValue] { try located(auditDir).map(\.record) }

    /// The records of a directory a crash left behind: a live segment's unterminated last
    /// piece (a torn write, which start-up cuts) is left out; every whole line must parse.
    static func recordsAfterCrash(_ auditDir: String) throws -> [JSONValue] {
        var result: [JSONValue] = []
        for name in try segmentNames(auditDir) {
            let bytes = try segmentBytes(auditDir + "/" + name)
            var pieces = lines(bytes)
            if bytes.last != UInt8(ascii: "\n"), !pieces.isEmpty { pieces.removeLast() }
            for line in pieces { result.append(try JSONValue.parse(line)) }
        }
        return result
    }

    /// The seqs of `records`, which must be 1...n for an intact log.
    static func seqs(_ records: [JSONValue]) -> [Int] { records.compactMap { $0["seq"]?.intValue } }

    /// Runs a program to completion: exit status and stdout+stderr.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try Program.run(executable, arguments)
        return (result.status, result.output)
    }

    /// The JSON lines of a CLI's output (lines that do not parse, such as a log line, are skipped).
    static func jsonLines(_ output: String) -> [JSONValue] {
        output.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
    static func poll(timeout: Duration, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await condition() { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Task ids the sidecar acknowledged, collected from concurrent clients.
final class AcknowledgedTasks: Sendable {
    private let state = Mutex<(ids: Set<String>, otherStatuses: [Int])>(([], []))

    func add(_ id: String) { state.withLock { _ = $0.ids.insert(id) } }
    func other(_ status: Int) { state.withLock { $0.otherStatuses.append(status) } }
    var ids: Set<String> { state.withLock { $0.ids } }
    var otherStatuses: [Int] { state.withLock { $0.otherStatuses } }
}
