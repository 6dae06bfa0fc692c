import BeekeeperCore
import Foundation
import Sodium
import Testing

@testable import BeekeeperAudit

@Suite("audit verify finds the first fault")
struct AuditVerifierTests {
    /// A closed log: `audit-1.jsonl.gz` (seq 1-4, ending with a checkpoint) and the live
    /// `audit-5.jsonl` (seq 5-12: records, a checkpoint at line 5, the closing one at line 8).
    static func fixture() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        // No periodic checkpoint may shift the seqs below, however slow the machine.
        let log = try await TestSupport.open(directory, options: AuditLogOptions(checkpointInterval: .seconds(3600)))
        for id in ["a", "b", "c"] { try await log.append([TestSupport.task("task.received", id)]) }
        try await log.rotate()
        for id in ["d", "e", "f", "g"] { try await log.append([TestSupport.task("task.succeeded", id)]) }
        try await log.checkpoint()
        for id in ["h", "i"] { try await log.append([TestSupport.task("task.failed", id)]) }
        try await log.close()
        #expect(try directory.segmentNames() == ["audit-0000000000000001.jsonl.gz", "audit-0000000000000005.jsonl"])
        return directory
    }

    static let live = "audit-0000000000000005.jsonl"
    static let sealed = "audit-0000000000000001.jsonl.gz"

    static func verify(_ directory: TemporaryDirectory, key: Ed25519.PublicKey? = TestSupport.signingKey.publicKey) throws
        -> AuditVerificationReport
    {
        try AuditVerifier.verify(paths: [directory.path], publicKey: key)
    }

    static func editLive(_ directory: TemporaryDirectory, _ edit: (inout [String]) throws -> Void) throws {
        var lines = try TestSupport.lines(directory.file(live))
        try edit(&lines)
        try TestSupport.write(lines.map { $0 + "\n" }.joined(), to: directory.file(live))
    }

    /// What a forger without the signing key can do: recompute every chain from `index` on.
    static func rechain(_ lines: inout [String], from index: Int, previous: String) {
        var previous = previous
        for position in index..<lines.count {
            let line = lines[position]
            let head = String(line.dropLast(66))  // 64 hex + "}
            let chain = TestSupport.expectedChain(previous: previous, line: line)
            lines[position] = head + chain + "\"}"
            previous = chain
        }
    }

    static func chain(of line: String) throws -> String {
        try TestSupport.parse(line)["chain"]!.stringValue!
    }

    @Test("an intact log verifies, with and without a public key")
    func intact() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        let report = try Self.verify(directory)
        #expect(report.ok, "\(report)")
        #expect(report.recordsChecked == 12)
        #expect(report.segmentsChecked == 2)
        #expect(report.checkpointsVerified == 3)
        #expect(report.firstSeq == 1 && report.lastSeq == 12)
        #expect(report.firstTrustedSeq == nil)
        #expect(report.description.contains("OK: 12 records in 2 segments"))
        // Files given one by one, in any order, are checked in seq order.
        let files = try Self.verify(directory, key: nil)
        #expect(files.ok)
        let explicit = try AuditVerifier.verify(
            paths: [directory.file(Self.live), directory.file(Self.sealed)], publicKey: TestSupport.signingKey.publicKey)
        #expect(explicit.ok, "\(explicit)")
        #expect(explicit.recordsChecked == 12)
    }

    @Test("changed byte: chain mismatch at that line")
    func changedByte() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        try Self.editLive(directory) { $0[2] = $0[2].replacingOccurrences(of: "\"task_id\":\"f\"", with: "\"task_id\":\"F\"") }
        let fault = try #require(try Self.verify(directory).fault)
        #expect(fault.kind == .chainMismatch)
        #expect(fault.file == directory.file(Self.live))
        #expect(fault.line == 3)
        #expect(fault.description.hasPrefix(directory.file(Self.live) + ":3: chain mismatch"))
    }

    @Test("removed line: seq gap at the line after it")
    func removedLine() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        try Self.editLive(directory) { $0.remove(at: 2) }
        let fault = try #require(try Self.verify(directory).fault)
        #expect(fault.kind == .seqGap)
        #expect(fault.line == 3)
        #expect(fault.reason.contains("expected seq 7, found 8"))
    }

    @Test("reordered lines: reported at the first one out of place")
    func reorderedLines() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        try Self.editLive(directory) { $0.swapAt(1, 2) }
        let fault = try #require(try Self.verify(directory).fault)
        #expect(fault.kind == .reordered)
        #expect(fault.line == 2)
    }

    @Test("seq gap with the chain recomputed: still a seq gap")
    func seqGapRechained() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        try Self.editLive(directory) { lines in
            let previous = try Self.chain(of: lines[0])
            lines.remove(at: 1)
            Self.rechain(&lines, from: 1, previous: previous)
        }
        let fault = try #require(try Self.verify(directory).fault)
        #expect(fault.kind == .seqGap)
        #expect(fault.line == 2)
    }

    @Test("renumbered and rechained after a removal: the next checkpoint's signature fails")
    func badSignatureAfterForgery() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        try Self.editLive(directory) { lines in
            let previous = try Self.chain(of: lines[0])
            lines.remove(at: 1)
            for index in 1..<lines.count {
                lines[index] = lines[index].replacingOccurrences(of: "{\"seq\":\(index + 6),", with: "{\"seq\":\(index + 5),")
            }
            Self.rechain(&lines, from: 1, previous: previous)
        }
        let fault = try #require(try Self.verify(directory).fault)
        #expect(fault.kind == .badSignature)
        #expect(fault.line == 4)  // the checkpoint, now on line 4
        #expect(fault.description == "\(directory.file(Self.live)):4: checkpoint signature does not verify for seq 7")
    }

    @Test("checkpoints re-signed with another key: wrong key with --pubkey, consistent without")
    func wrongKey() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        try Self.editLive(directory) { lines in
            let before = try TestSupport.parse(lines[3])
            let message = Array("beekeeper-audit-checkpoint v1\n\(before["seq"]!.intValue!)\n\(before["chain"]!.stringValue!)\n".utf8)
            let forged = Base64.encode(TestSupport.otherKey.signature(for: message))
            var record = try TestSupport.parse(lines[4])
            record = record.setting("key", to: .string(TestSupport.otherKey.publicKey.hex)).setting("sig", to: .string(forged))
            lines[4] = record.serialized()
            Self.rechain(&lines, from: 4, previous: before["chain"]!.stringValue!)
            lines.removeLast(3)  // drop the later checkpoint, signed with the real key
        }
        let fault = try #require(try Self.verify(directory).fault)
        #expect(fault.kind == .wrongKey)
        #expect(fault.line == 5)
        let unkeyed = try Self.verify(directory, key: nil)
        #expect(unkeyed.ok, "\(unkeyed)")
        #expect(unkeyed.checkpointKeys == [TestSupport.signingKey.publicKey.hex, TestSupport.otherKey.publicKey.hex])
    }

    @Test("a checkpoint signature that does not match its record")
    func badSignature() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        try Self.editLive(directory) { lines in
            let previous = try Self.chain(of: lines[3])
            let record = try TestSupport.parse(lines[4])
            let bogus = Base64.encode(TestSupport.signingKey.signature(for: Array("something else".utf8)))
            lines[4] = record.setting("sig", to: .string(bogus)).serialized()
            Self.rechain(&lines, from: 4, previous: previous)
        }
        let fault = try #require(try Self.verify(directory).fault)
        #expect(fault.kind == .badSignature)
        #expect(fault.line == 5)
    }

    @Test("malformed JSON and a torn last line")
    func malformedAndTorn() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        try Self.editLive(directory) { $0[5] = "{\"seq\":10,\"ts\":" }
        var fault = try #require(try Self.verify(directory).fault)
        #expect(fault.kind == .malformed)
        #expect(fault.line == 6)

        let other = try await Self.fixture()
        defer { other.cleanup() }
        let text = try String(contentsOfFile: other.file(Self.live), encoding: .utf8)
        try TestSupport.write(String(text.dropLast(10)), to: other.file(Self.live))
        fault = try #require(try Self.verify(other).fault)
        #expect(fault.kind == .tornLine)
        #expect(fault.line == 8)
    }

    @Test("a truncated .gz segment is reported in that file")
    func truncatedGzip() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        let path = directory.file(Self.sealed)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 12).write(to: URL(fileURLWithPath: path))
        let fault = try #require(try Self.verify(directory).fault)
        #expect(fault.kind == .corruptCompression)
        #expect(fault.file == path)
        #expect(fault.line >= 1)
        #expect(fault.reason.contains("truncated"))
    }

    @Test("a sealed segment cut at its end lacks its closing checkpoint")
    func cutSealedSegment() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        let path = directory.file(Self.sealed)
        let lines = try TestSupport.lines(path).dropLast()
        let plain = directory.file("audit-0000000000000001.jsonl")
        try TestSupport.write(lines.map { $0 + "\n" }.joined(), to: plain)
        try FileManager.default.removeItem(atPath: path)
        try TestSupport.run("/usr/bin/gzip", [plain])
        let fault = try #require(try Self.verify(directory).fault)
        #expect(fault.kind == .missingCheckpoint)
        #expect(fault.file == path)
        #expect(fault.line == 3)
    }

    @Test("when the oldest segments are gone, the chain is trusted from the first record present")
    func oldestGone() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        try FileManager.default.removeItem(atPath: directory.file(Self.sealed))
        let report = try Self.verify(directory)
        #expect(report.ok, "\(report)")
        #expect(report.firstTrustedSeq == 5)
        #expect(report.recordsChecked == 8)
        #expect(report.description.contains("trusts the chain from seq 5"))
        // And a change after the trusted start is still found.
        try Self.editLive(directory) { $0[1] = $0[1].replacingOccurrences(of: "\"bee\":\"finance\"", with: "\"bee\":\"fin\"") }
        #expect(try Self.verify(directory).fault?.line == 2)
        // Removing the first line of a named segment is visible too.
        try Self.editLive(directory) { $0.removeFirst() }
        #expect(try Self.verify(directory).fault?.kind == .misnamedSegment)
    }
}
