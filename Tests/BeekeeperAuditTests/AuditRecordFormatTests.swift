import BeekeeperCore
import Foundation
import Sodium
import Testing

@testable import BeekeeperAudit

@Suite("Audit record format and chain")
struct AuditRecordFormatTests {
    @Test("lines: seq first, ts RFC 3339 UTC with microseconds, type, fields in order, chain last")
    func lineLayout() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(directory)
        let seqs = try await log.append([
            AuditRecord(type: "task.succeeded", [
                "task_id": "t-1", "bee": "finance", "funcname": "validate_revenue", "attempt": 1, "duration_ms": 12,
                "payload_bytes": 42, "payload_sha256": .string(String(repeating: "a", count: 64)),
            ])
        ])
        #expect(seqs == [1])
        try await log.close()
        let lines = try TestSupport.lines(directory.file("audit-0000000000000001.jsonl"))
        let first = try #require(lines.first)
        let ts = #/^\{"seq":1,"ts":"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)","type":"task\.succeeded","task_id":"t-1","bee":"finance","funcname":"validate_revenue","attempt":1,"duration_ms":12,"payload_bytes":42,"payload_sha256":"a{64}","chain":"[0-9a-f]{64}"\}$/#
        #expect(first.wholeMatch(of: ts) != nil, "\(first)")
        // The closing checkpoint of close() follows.
        #expect(lines.count == 2)
        #expect(try TestSupport.parse(lines[1])["type"] == "audit.checkpoint")
    }

    @Test("chain vectors: each chain is SHA-256 of the previous chain's hex and the line's prefix, from 64 zeros")
    func chainVectors() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(directory)
        try await log.append([TestSupport.task("task.received", "a"), TestSupport.task("task.started", "a")])
        try await log.append([AuditRecord(type: "auth.denied", ["actor": "mallory", "reason": "bad \"sig\"\n"])])
        try await log.close()
        let lines = try TestSupport.lines(directory.file("audit-0000000000000001.jsonl"))
        #expect(lines.count == 4)
        var previous = String(repeating: "0", count: 64)
        for (index, line) in lines.enumerated() {
            let record = try TestSupport.parse(line)
            #expect(record["seq"] == .number(String(index + 1)))
            let expected = TestSupport.expectedChain(previous: previous, line: line)
            #expect(record["chain"]?.stringValue == expected, "line \(index + 1)")
            previous = expected
        }
        // A fixed vector, so the format cannot drift unnoticed: P of a known record.
        let prefix = #"{"seq":1,"ts":"2026-11-22T10:00:00.123456Z","type":"task.succeeded","task_id":"t"}"#.dropLast()
        var hasher = SHA256()
        hasher.update(String(repeating: "0", count: 64))
        hasher.update(String(prefix))
        let vector = Hex.encode(hasher.finalize())
        #expect(AuditChain.next(previous: AuditChain.genesis, prefix: Array(prefix.utf8)) == vector)
        #expect(
            AuditLine.prefix(seq: 1, ts: "2026-11-22T10:00:00.123456Z", type: "task.succeeded", fields: [.init("task_id", "t")])
                == String(prefix))
    }

    @Test("checkpoint signatures verify with the signing key and fail with another")
    func checkpointSignatures() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(directory)
        try await log.append([TestSupport.task("task.received", "a")])
        try await log.checkpoint()
        try await log.append([TestSupport.task("task.started", "a")])
        try await log.close()
        let lines = try TestSupport.lines(directory.file("audit-0000000000000001.jsonl"))
        #expect(lines.count == 4)
        var checked = 0
        for index in lines.indices {
            let record = try TestSupport.parse(lines[index])
            guard record["type"] == "audit.checkpoint" else { continue }
            let before = try TestSupport.parse(lines[index - 1])
            let message = Array("beekeeper-audit-checkpoint v1\n\(before["seq"]!.intValue!)\n\(before["chain"]!.stringValue!)\n".utf8)
            let signature = try #require(Base64.decode(record["sig"]!.stringValue!))
            #expect(record["key"]?.stringValue == TestSupport.signingKey.publicKey.hex)
            #expect(TestSupport.signingKey.publicKey.isValidSignature(signature, for: message))
            #expect(!TestSupport.otherKey.publicKey.isValidSignature(signature, for: message))
            checked += 1
        }
        #expect(checked == 2)
        let good = try AuditVerifier.verify(paths: [directory.path], publicKey: TestSupport.signingKey.publicKey)
        #expect(good.ok, "\(good)")
        #expect(good.checkpointsVerified == 2)
        let wrong = try AuditVerifier.verify(paths: [directory.path], publicKey: TestSupport.otherKey.publicKey)
        #expect(wrong.fault?.kind == .wrongKey)
        #expect(wrong.fault?.line == 2)
    }

    @Test("timestamps format and parse as RFC 3339 UTC with microseconds")
    func timestamps() {
        #expect(AuditTimestamp.format(microseconds: 1_795_860_000_123_456) == "2026-11-28T10:00:00.123456Z")
        #expect(AuditTimestamp.format(microseconds: 0) == "1970-01-01T00:00:00.000000Z")
        #expect(AuditTimestamp.parse("2026-11-28T10:00:00.123456Z") == 1_795_860_000_123_456)
        #expect(AuditTimestamp.parse("2026-11-28T11:00:00.5+01:00") == 1_795_860_000_500_000)
        #expect(AuditTimestamp.parse("2026-11-28 10:00:00Z") == 1_795_860_000_000_000)
        #expect(AuditTimestamp.parse("2026-13-28T10:00:00Z") == nil)
        #expect(AuditTimestamp.parse("yesterday") == nil)
        let now = AuditTimestamp.nowMicroseconds()
        #expect(AuditTimestamp.parse(AuditTimestamp.format(microseconds: now)) == now)
    }

    @Test("records the log must not write are refused")
    func invalidRecords() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(directory)
        for record in [
            AuditRecord(type: "task.received", ["seq": 5]),
            AuditRecord(type: "task.received", ["chain": "x"]),
            AuditRecord(type: "task.received", ["payload": ["args": []]]),
            AuditRecord(type: "task.received", ["kwargs": [:]]),
            AuditRecord(type: "audit.checkpoint"),
            AuditRecord(type: ""),
            AuditRecord(type: "task.received", ["n": .number("1e")]),
        ] {
            await #expect(throws: AuditError.self) { try await log.append([record]) }
        }
        #expect(await log.lastSeq == 0)
        try await log.close()
        await #expect(throws: AuditError.closed) { try await log.append([TestSupport.task("task.received", "a")]) }
    }

    @Test("hmac_fields are recorded as hmac-sha256 of the clear value, never in clear")
    func hmacFields() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = "args.0.data.object.metadata.userId"
        let log = try await TestSupport.open(directory, options: AuditLogOptions(hmacFields: [path]))
        let payload: JSONValue = ["args": [["data": ["object": ["metadata": ["userId": "user-123", "tier": "gold"]]]]]]
        let members = log.hmacMembers(for: payload)
        let expected = "hmac-sha256:" + Hex.encode(HMACSHA256.authenticate("user-123", key: TestSupport.hmacKey))
        #expect(members == [.init(path, .string(expected))])
        // A listed field handed over in clear is HMACed by the log itself.
        try await log.append([AuditRecord(type: "task.received", fields: [.init("task_id", "a"), .init(path, "user-456")])])
        try await log.close()
        let text = try TestSupport.lines(directory.file("audit-0000000000000001.jsonl")).joined()
        #expect(!text.contains("user-456"))
        #expect(text.contains(AuditLog.hmac("user-456", key: TestSupport.hmacKey)))
        #expect(AuditLog.hmac(JSONValue.number("42"), key: TestSupport.hmacKey) == AuditLog.hmac("42", key: TestSupport.hmacKey))
    }
}
