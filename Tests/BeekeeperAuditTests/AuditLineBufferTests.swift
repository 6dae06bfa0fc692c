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
        let micros: Int64 = 1_795_860_000_123_456
        let ts = AuditTimestamp.format(microseconds: micros)
        #expect(ts == "2026-11-28T10:00:00.123456Z")
        var buffer = AuditLineBuffer(chain: AuditChain.genesis)
        for start in [UInt64(0), 9, 99_999, UInt64.max - 8] {
            buffer.begin(after: AuditChain.genesis, at: micros)
            var expected: [UInt8] = []
            var chain = AuditChain.genesis
            for (offset, record) in Self.records.enumerated() {
                let seq = start + UInt64(offset) + 1
                buffer.appendLine(seq: seq, record: PreparedRecord(record))
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
        let record = PreparedRecord(Self.records[0])
        buffer.begin(after: AuditChain.genesis, at: 0)
        buffer.appendLine(seq: 1, record: record)
        let after = buffer.chainString
        buffer.begin(after: after, at: 1)
        #expect(buffer.bytes.isEmpty)
        buffer.appendLine(seq: 2, record: record)
        let prefix = AuditLine.prefix(seq: 2, ts: "1970-01-01T00:00:00.000001Z", type: Self.records[0].type, fields: Self.records[0].fields)
        #expect(buffer.chainString == AuditChain.next(previous: after, prefix: Array(prefix.utf8)))
        #expect(buffer.bytes == AuditLine.bytes(prefix: prefix, chain: buffer.chainString))
    }

    /// The cache rewrites only the microsecond digits within a second and reformats everything
    /// on any other second, forwards or backwards (a wall clock may step back): each text must
    /// equal a fresh `format`, across second, minute, day, month, leap-day and year boundaries,
    /// years of five digits, and before 1970.
    @Test("the cached timestamp equals a fresh format across second, day and year boundaries")
    func timestampCache() {
        let boundaries: [Int64] = [
            0,  // 1970-01-01
            1_795_860_000_000_000,  // 2026-11-28T10:00:00
            1_798_761_600_000_000,  // 2027-01-01T00:00:00
            1_709_164_800_000_000,  // 2024-02-29T00:00:00
            1_709_251_200_000_000,  // 2024-03-01T00:00:00
            253_402_300_800_000_000,  // 10000-01-01T00:00:00
            -1_000_000,  // 1969-12-31T23:59:59
            -62_167_219_200_000_000,  // 0000-01-01T00:00:00
        ]
        let steps: [Int64] = [-1_000_001, -2, -1, 0, 1, 1, 2, 499_999, 500_000, 1, 999_998, 60_000_000, -59_999_999]
        var cache = AuditTimestamp.Cache()
        for boundary in boundaries {
            var micros = boundary - 1_500_000
            for _ in 0..<3 {
                for step in steps {
                    micros += step
                    cache.set(microseconds: micros)
                    #expect(String(decoding: cache.bytes, as: UTF8.self) == AuditTimestamp.format(microseconds: micros), "at \(micros)")
                }
            }
        }
    }

    @Test("reserved keys and the log's own types are refused by their bytes, and near misses are not")
    func reservedNames() {
        for key in ["seq", "ts", "type", "chain"] { #expect(AuditRecordCheck.reserved(key) == .setByLog, "\(key)") }
        for key in ["payload", "args", "kwargs"] { #expect(AuditRecordCheck.reserved(key) == .rawPayload, "\(key)") }
        for key in ["", "t", "tS", "tss", "se", "seqq", "Seq", "typo", "types", "arg", "argz", "chains", "chaim", "kwarg", "kwargs_", "payloa", "payloadx", "payload_bytes", "task_id", "bee", "actor", "é", "tß"] {
            #expect(AuditRecordCheck.reserved(key) == nil, "\(key)")
        }
        // A key that is not a native Swift string (bridged or a substring copy) is read the same way.
        #expect(AuditRecordCheck.reserved(String("xxseqxx".dropFirst(2).dropLast(2))) == .setByLog)
        for type in [AuditChain.checkpointType, AuditChain.recoveredType, AuditChain.gapType] { #expect(AuditRecordCheck.isLogType(type)) }
        for type in ["audit.", "audit.gaps", "audit.checkpoin", "Audit.gap", "audit-gap", "task.succeeded", "audit.other", "a"] {
            #expect(!AuditRecordCheck.isLogType(type), "\(type)")
        }
    }
}
