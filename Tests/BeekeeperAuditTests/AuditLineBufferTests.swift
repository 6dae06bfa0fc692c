import BeekeeperCore
import Testing

@testable import BeekeeperAudit

/// The writer's byte path (``PreparedRecord`` + ``AuditLineBuffer``) against the reference
/// String path (``AuditLine/prefix(seq:ts:type:fields:)`` + ``AuditChain/next(previous:prefix:)``)
/// that the verifier's definition of P follows: byte for byte, chain for chain.
@Suite("Audit line buffer")
struct AuditLineBufferTests {
    static let records: [AuditRecord] = [
        AuditRecord(type: "task.succeeded", ["task_id": "t-1", "attempt": 1, "duration_ms": .number("12.5")]),
        AuditRecord(type: "auth.denied", ["actor": "mallory", "reason": "bad \"sig\"\n\u{01}\u{2028}", "nested": ["a": [1, nil, true]]]),
        AuditRecord(type: "ty\"pe\u{2029}é"),
        AuditRecord(type: "task.received", ["payload_sha256": .string(String(repeating: "a", count: 64)), "big": .number("12345678901234567890")]),
    ]

    @Test("a group of lines equals the String writer's lines and chains")
    func matchesTheReferencePath() {
        let ts = "2026-11-22T10:00:00.123456Z"
        var buffer = AuditLineBuffer(chain: AuditChain.genesis)
        for start in [UInt64(0), 9, 99_999, UInt64.max - 8] {
            buffer.begin(after: AuditChain.genesis)
            var expected: [UInt8] = []
            var chain = AuditChain.genesis
            for (offset, record) in Self.records.enumerated() {
                let seq = start + UInt64(offset) + 1
                buffer.appendLine(seq: seq, ts: Array(ts.utf8), body: PreparedRecord(record).body)
                let prefix = AuditLine.prefix(seq: seq, ts: ts, type: record.type, fields: record.fields)
                chain = AuditChain.next(previous: chain, prefix: Array(prefix.utf8))
                expected += AuditLine.bytes(prefix: prefix, chain: chain)  // ends with the newline
            }
            #expect(buffer.bytes == expected, "from seq \(start + 1)")
            #expect(buffer.chainString == chain)
        }
    }

    @Test("a new group after a committed chain starts from that chain and reuses the buffer")
    func beginResets() {
        var buffer = AuditLineBuffer(chain: AuditChain.genesis)
        let body = PreparedRecord(Self.records[0]).body
        buffer.appendLine(seq: 1, ts: Array("t".utf8), body: body)
        let after = buffer.chainString
        buffer.begin(after: after)
        #expect(buffer.bytes.isEmpty)
        buffer.appendLine(seq: 2, ts: Array("t".utf8), body: body)
        let prefix = AuditLine.prefix(seq: 2, ts: "t", type: Self.records[0].type, fields: Self.records[0].fields)
        #expect(buffer.chainString == AuditChain.next(previous: after, prefix: Array(prefix.utf8)))
    }

    @Test(arguments: [UInt64(0), 1, 9, 10, 99, 100, 1_234_567_890, UInt64.max])
    func decimals(_ value: UInt64) {
        var bytes: [UInt8] = []
        AuditLineBuffer.appendDecimal(value, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == String(value))
    }
}
