import BeekeeperCore
import Foundation
import Synchronization
import Testing
import Zlib

/// The reviewers' side of the audit log, through the real CLI against a real sidecar's data:
/// `audit verify`, `audit query`, `audit tail`, HMAC'd fields and the signing key files.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct AuditReviewToolsTests {
    static func start(audit: [String], finance: Bool = false) async throws -> SidecarProcess {
        try await SidecarProcess(config: { keyHex, dataDir in
            AuditHarness.config(keyHex: keyHex, dataDir: dataDir, audit: audit, finance: finance)
        })
    }

    /// Waits until no sealed segment is still waiting for compression (only the live one is plain).
    static func waitForCompression(_ sidecar: SidecarProcess) async throws {
        let done = try await AuditHarness.poll(timeout: .seconds(20)) {
            try AuditHarness.segmentNames(sidecar.auditDir).filter { !$0.hasSuffix(".gz") }.count == 1
        }
        let names = try AuditHarness.segmentNames(sidecar.auditDir)
        #expect(done, "sealed segments were not compressed: \(names)")
    }

    static func gzipTest(_ path: String) throws -> (status: Int32, output: String) {
        guard let gzip = Requirements.which("gzip") else {
            #expect(!Requirements.isCI, "gzip is required in CI")
            return (0, "gzip missing: not checked")
        }
        return try AuditHarness.run(gzip, ["-t", path])
    }

    static func writeSegment(_ lines: [[UInt8]], to path: String) throws {
        var bytes: [UInt8] = []
        for line in lines { bytes += line + [UInt8(ascii: "\n")] }
        try Data(try Gzip.compress(bytes)).write(to: URL(fileURLWithPath: path))
    }

    @Test func verifyNamesTheFileAndLineOfATamperedSealedSegment() async throws {
        let sidecar = try await Self.start(audit: ["rotate_bytes: 4KiB"])
        for index in 0..<14 {
            #expect(try await sidecar.submit(["id": .string("v-\(index)"), "funcname": "echo", "args": [.number(index)]]).status == 200)
        }
        try await Self.waitForCompression(sidecar)
        #expect(try await sidecar.terminate() == 0)

        let names = try AuditHarness.segmentNames(sidecar.auditDir)
        let sealed = names.filter { $0.hasSuffix(".jsonl.gz") }
        #expect(sealed.count >= 2, "\(names)")
        for name in sealed {
            let test = try Self.gzipTest(sidecar.auditDir + "/" + name)
            #expect(test.status == 0, "gzip -t \(name): \(test.output)")
        }
        let intact = try AuditHarness.cli(sidecar, ["audit", "verify"])
        #expect(intact.status == 0, "\(intact.output)")
        #expect(intact.output.contains("OK: "), "\(intact.output)")
        #expect(intact.output.contains("in \(names.count) segments"), "\(intact.output)")
        // The signing key beside the data, given explicitly, and explicit segment paths.
        let pubkey = sidecar.dataDir + "/state/audit-signing.pub"
        let explicit = try AuditHarness.cli(sidecar, ["audit", "verify", "--pubkey", pubkey] + names.map { sidecar.auditDir + "/" + $0 })
        #expect(explicit.status == 0, "\(explicit.output)")

        // A sealed segment in the middle of the chain (its first line continues the one before).
        let target = sealed.count >= 2 ? sealed[1] : try #require(sealed.first)
        let path = sidecar.auditDir + "/" + target
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let lines = AuditHarness.lines(try AuditHarness.segmentBytes(path))
        #expect(lines.count >= 4)

        // One byte flipped inside line 3: the last digit of its timestamp.
        var flipped = lines
        let line = lines[2]
        let z = try #require(line.indices.first { index in
            line[index] == UInt8(ascii: "Z") && index > 0 && (48...57).contains(line[index - 1])
        })
        flipped[2][z - 1] = line[z - 1] == UInt8(ascii: "9") ? UInt8(ascii: "0") : line[z - 1] + 1
        try Self.writeSegment(flipped, to: path)
        let tampered = try AuditHarness.cli(sidecar, ["audit", "verify"])
        #expect(tampered.status == 1, "\(tampered.output)")
        #expect(tampered.output.contains("\(path):3: "), "\(tampered.output)")
        #expect(tampered.output.contains("chain mismatch"), "\(tampered.output)")

        try original.write(to: URL(fileURLWithPath: path))
        #expect(try AuditHarness.cli(sidecar, ["audit", "verify"]).status == 0)

        // Line 3 removed: the fault is reported at the line after it, now line 3.
        var removed = lines
        removed.remove(at: 2)
        try Self.writeSegment(removed, to: path)
        let gap = try AuditHarness.cli(sidecar, ["audit", "verify"])
        #expect(gap.status == 1, "\(gap.output)")
        #expect(gap.output.contains("\(path):3: "), "\(gap.output)")
        #expect(gap.output.contains("seq gap"), "\(gap.output)")

        try original.write(to: URL(fileURLWithPath: path))
        #expect(try AuditHarness.cli(sidecar, ["audit", "verify"]).status == 0)
    }

    @Test func queryReadsCompressedAndLiveSegmentsInSeqOrder() async throws {
        let sidecar = try await Self.start(audit: ["rotate_bytes: 4KiB"])
        // Blocked and failed tasks first, so that later records only come from the fillers.
        #expect(try await sidecar.submit(["id": "blocked-1", "funcname": "echo", "args": ["x'; DROP TABLE users; --"]]).status == 422)
        #expect(try await sidecar.submit(["id": "blocked-2", "funcname": "rm_everything"]).status == 422)
        #expect(try await sidecar.submit(["id": "failed-1", "funcname": "fail"]).status == 502)

        // A slow task whose records straddle a rotation: started in one segment, finished in the live one.
        let slow = Task { try await sidecar.submit(["id": "straddle", "funcname": "slow", "kwargs": ["seconds": 5]]) }
        try await sidecar.waitForAudit { $0.contains { $0["task_id"] == "straddle" && $0["type"] == "task.started" } }
        let startedSeq = try #require(try sidecar.auditRecords(task: "straddle").first { $0["type"] == "task.started" }?["seq"]?.intValue)
        var fillers = 0
        while try !AuditHarness.segmentNames(sidecar.auditDir).contains(where: { (AuditHarness.firstSeq(of: $0) ?? 0) > startedSeq }) {
            #expect(fillers < 30, "no rotation after \(fillers) tasks")
            guard fillers < 30 else { break }
            #expect(try await sidecar.submit(["id": .string("filler-\(fillers)"), "funcname": "echo"]).status == 200)
            fillers += 1
        }
        let straddle = try await slow.value
        #expect(straddle.status == 200, "the slow task finished before the rotation: \(straddle.body.serialized())")
        try await Self.waitForCompression(sidecar)
        #expect(try await sidecar.terminate() == 0)

        let located = try AuditHarness.located(sidecar.auditDir)
        let segmentOf = Dictionary(located.map { ($0.record["seq"]?.intValue ?? 0, $0.segment) }, uniquingKeysWith: { first, _ in first })

        let task = try AuditHarness.cli(sidecar, ["audit", "query", "--task", "straddle", "--format", "jsonl"])
        #expect(task.status == 0, "\(task.output)")
        let found = AuditHarness.jsonLines(task.output)
        #expect(found.compactMap { $0["type"]?.stringValue } == ["task.received", "task.approved", "task.started", "task.succeeded"])
        let seqs = AuditHarness.seqs(found)
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count, "not in seq order: \(seqs)")
        let holders = seqs.compactMap { segmentOf[$0] }
        #expect(holders.first?.hasSuffix(".jsonl.gz") == true, "\(holders)")
        #expect(holders.last?.hasSuffix(".jsonl") == true, "the last record should be in the live segment: \(holders)")
        // Each line is printed as stored, byte for byte.
        let stored = Set(located.map(\.line))
        for line in task.output.split(separator: "\n") { #expect(stored.contains(String(line))) }

        let blocked = AuditHarness.jsonLines(try AuditHarness.cli(sidecar, ["audit", "query", "--type", "task.blocked", "--format", "jsonl"]).output)
        #expect(blocked.compactMap { $0["task_id"]?.stringValue } == ["blocked-1", "blocked-2"])
        #expect(blocked.allSatisfy { $0["type"] == "task.blocked" })

        let failed = AuditHarness.jsonLines(try AuditHarness.cli(sidecar, ["audit", "query", "--outcome", "failed", "--format", "jsonl"]).output)
        #expect(failed.compactMap { $0["task_id"]?.stringValue } == ["failed-1"])
        #expect(failed.allSatisfy { $0["type"] == "task.failed" })

        // Time filters: an age, and RFC 3339 on either side of now.
        let all = located.count
        let recent = AuditHarness.jsonLines(try AuditHarness.cli(sidecar, ["audit", "query", "--since", "1h", "--format", "jsonl"]).output)
        #expect(recent.count == all)
        #expect(AuditHarness.seqs(recent) == Array(1...all))
        let old = try AuditHarness.cli(sidecar, ["audit", "query", "--until", "1h", "--format", "jsonl"])
        #expect(old.status == 0)
        #expect(AuditHarness.jsonLines(old.output).isEmpty)
        #expect(AuditHarness.jsonLines(try AuditHarness.cli(sidecar, ["audit", "query", "--since", "2000-01-01T00:00:00Z", "--format", "jsonl"]).output).count == all)
        #expect(AuditHarness.jsonLines(try AuditHarness.cli(sidecar, ["audit", "query", "--since", "2099-01-01T00:00:00Z", "--format", "jsonl"]).output).isEmpty)
        let badTime = try AuditHarness.cli(sidecar, ["audit", "query", "--since", "yesterday-ish"])
        #expect(badTime.status == 2, "\(badTime.output)")

        // The table (asked for: into a pipe the default is JSONL): a header, then one row per record.
        let table = try AuditHarness.cli(sidecar, ["audit", "query", "--type", "task.blocked", "--format", "table"])
        #expect(table.status == 0)
        let rows = table.output.split(separator: "\n")
        #expect(rows.count == 3, "\(table.output)")
        #expect(rows.first?.hasPrefix("SEQ") == true && rows.first?.contains("TYPE") == true && rows.first?.contains("TASK") == true, "\(table.output)")
        #expect(rows.dropFirst().allSatisfy { $0.contains("task.blocked") })
        #expect(rows.count == 3 && rows[1].contains("blocked-1") && rows[2].contains("blocked-2"))
    }

    @Test func hmacFieldsNeverAppearInClearButAreFoundByValue() async throws {
        let sidecar = try await Self.start(audit: ["hmac_fields: [kwargs.customer]"])
        #expect(try await sidecar.submit(["id": "cust-a", "funcname": "echo", "kwargs": ["customer": "cus_123"]]).status == 200)
        #expect(try await sidecar.submit(["id": "cust-b", "funcname": "echo", "kwargs": ["customer": "cus_456"]]).status == 200)
        #expect(try await sidecar.submit(["id": "cust-none", "funcname": "echo"]).status == 200)
        #expect(try await sidecar.terminate() == 0)

        for name in try FileManager.default.contentsOfDirectory(atPath: sidecar.auditDir) {
            let text = String(decoding: try AuditHarness.segmentBytes(sidecar.auditDir + "/" + name), as: UTF8.self)
            #expect(!text.contains("cus_123") && !text.contains("cus_456"), "\(name) holds a customer id in clear")
        }
        let records = try AuditHarness.records(sidecar.auditDir)
        let carrying = records.filter { $0["kwargs.customer"] != nil }
        #expect(carrying.allSatisfy { $0["kwargs.customer"]?.stringValue?.hasPrefix("hmac-sha256:") == true })
        let expected = carrying.filter { $0["task_id"] == "cust-a" }.map { $0.serialized() }
        #expect(!expected.isEmpty)

        let query = try AuditHarness.cli(sidecar, ["audit", "query", "--field", "kwargs.customer=cus_123", "--format", "jsonl"])
        #expect(query.status == 0, "\(query.output)")
        let found = AuditHarness.jsonLines(query.output)
        #expect(found.map { $0.serialized() } == expected, "\(query.output)")
        #expect(AuditHarness.jsonLines(try AuditHarness.cli(sidecar, ["audit", "query", "--field", "kwargs.customer=cus_999", "--format", "jsonl"]).output).isEmpty)
        let other = AuditHarness.jsonLines(try AuditHarness.cli(sidecar, ["audit", "query", "--field", "kwargs.customer=cus_456", "--format", "jsonl"]).output)
        #expect(other.compactMap { $0["task_id"]?.stringValue } == ["cust-b"])
    }

    @Test func tailFollowsTheLiveSegmentAndSigningKeysAreOnDisk() async throws {
        let sidecar = try await Self.start(audit: ["fsync: batch"])
        let follower = Process()
        follower.executableURL = URL(fileURLWithPath: SidecarProcess.binary)
        follower.arguments = ["audit", "tail", "-f", "--config", AuditHarness.configPath(sidecar)]
        let pipe = Pipe()
        follower.standardOutput = pipe
        follower.standardError = pipe
        let output = OutputCollector()
        pipe.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
        try follower.run()
        defer {
            if follower.isRunning {
                kill(follower.processIdentifier, SIGKILL)
                follower.waitUntilExit()
            }
            pipe.fileHandleForReading.readabilityHandler = nil
        }
        // The follower prints the backlog first (sidecar.started), then what follows.
        let backlog = await AuditHarness.poll(timeout: .seconds(15)) { output.text.contains("sidecar.started") }
        #expect(backlog, "tail -f printed no backlog: \(output.text)")
        #expect(try await sidecar.submit(["id": "tail-1", "funcname": "echo"]).status == 200)
        let followed = await AuditHarness.poll(timeout: .seconds(15)) {
            AuditHarness.jsonLines(output.text).contains { $0["task_id"] == "tail-1" && $0["type"] == "task.succeeded" }
        }
        #expect(followed, "tail -f did not print task.succeeded of tail-1: \(output.text)")
        follower.terminate()
        let stopped = await AuditHarness.poll(timeout: .seconds(10)) { !follower.isRunning }
        #expect(stopped, "audit tail -f ignored SIGTERM")

        for index in 0..<3 {
            #expect(try await sidecar.submit(["id": .string("more-\(index)"), "funcname": "echo"]).status == 200)
        }
        #expect(try await sidecar.terminate() == 0)
        let tail = try AuditHarness.cli(sidecar, ["audit", "tail"])
        #expect(tail.status == 0, "\(tail.output)")
        let allLines = try AuditHarness.located(sidecar.auditDir).map(\.line)
        #expect(allLines.count > 10)
        #expect(tail.output.split(separator: "\n").map(String.init) == Array(allLines.suffix(10)))

        // The checkpoint signing key: secret 0600, public beside it, and it signed the checkpoints.
        let secret = sidecar.dataDir + "/state/audit-signing.key"
        let attributes = try FileManager.default.attributesOfItem(atPath: secret)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let publicHex = try String(contentsOfFile: sidecar.dataDir + "/state/audit-signing.pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(publicHex.count == 64)
        let checkpoints = try AuditHarness.records(sidecar.auditDir).filter { $0["type"] == "audit.checkpoint" }
        #expect(!checkpoints.isEmpty)
        #expect(checkpoints.allSatisfy { $0["key"]?.stringValue == publicHex })
        // Another key is not accepted in its place.
        let otherKeys = sidecar.directory + "/other-keys"
        #expect(try sidecar.cli(["keys", "generate", "--out", otherKeys]).status == 0)
        let otherPub = try #require(try FileManager.default.contentsOfDirectory(atPath: otherKeys).first { $0.hasSuffix(".pub") })
        let wrongKey = try AuditHarness.cli(sidecar, ["audit", "verify", "--pubkey", otherKeys + "/" + otherPub])
        #expect(wrongKey.status == 1, "\(wrongKey.output)")
        #expect(wrongKey.output.contains("signed by key"), "\(wrongKey.output)")
    }
}

/// Bytes a child process writes, collected from its pipe's handler thread.
final class OutputCollector: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    func append(_ data: Data) { bytes.withLock { $0 += Array(data) } }
    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
}
