import BeekeeperCore
import Testing

@testable import BeekeeperAudit

/// The append path's checks and counts after the per-record work was cut down (byte-level
/// reserved-name checks, numbers checked only where they can be, `recordsByType` counted per
/// run of one type): refused records still leave nothing behind, and the counts stay exact.
@Suite("Audit prepare and counts")
struct AuditPrepareTests {
    @Test("recordsByType is exact after many types, in inline appends, multi-record calls and concurrent groups")
    func recordsByTypeExact() async throws {
        for mode in [AuditLogOptions.FsyncMode.none, .batch] {
            let directory = try TemporaryDirectory()
            defer { directory.cleanup() }
            let log = try await TestSupport.open(directory, options: AuditLogOptions(fsync: mode, checkpointInterval: .seconds(3600)))
            var expected: [String: UInt64] = [:]
            // One call at a time, the type changing every record, then in runs.
            for index in 0..<300 {
                let type = "type.\(index % 37)"
                try await log.append([TestSupport.task(type, "t\(index)")])
                expected[type, default: 0] += 1
            }
            // Calls of many records: runs of one type, alternations, a type of more than 15 bytes
            // (a heap String) beside short ones.
            for call in 0..<20 {
                var records: [AuditRecord] = []
                for index in 0..<25 {
                    let type = index % 7 < 4 ? "run.\(call % 3)" : (index % 2 == 0 ? "a.much.longer.type.name" : "b")
                    records.append(TestSupport.task(type, "c\(call)-\(index)"))
                    expected[type, default: 0] += 1
                }
                try await log.append(records)
            }
            // Concurrent callers: in `batch` their calls share groups.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<64 {
                    group.addTask { try await log.append([TestSupport.task("concurrent.\(index % 5)", "x\(index)")]) }
                }
                try await group.waitForAll()
            }
            for index in 0..<64 { expected["concurrent.\(index % 5)", default: 0] += 1 }
            let statistics = await log.statistics
            #expect(statistics.recordsByType == expected, "\(mode)")
            #expect(statistics.records == 300 + 500 + 64)
            #expect(statistics.lastSeq == 864)
            try await log.close()
            #expect(await log.statistics.recordsByType["audit.checkpoint"] == 1)
            // The lines say the same as the counts.
            var fromLines: [String: UInt64] = [:]
            for line in try TestSupport.allLines(directory) {
                fromLines[try TestSupport.parse(line)["type"]!.stringValue!, default: 0] += 1
            }
            expected["audit.checkpoint"] = 1
            #expect(fromLines == expected)
        }
    }

    @Test("the room reserved for a prepared record is never less than its bytes, hmac_fields replaced included")
    func preparedBoundMatches() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(
            directory, options: AuditLogOptions(checkpointInterval: .seconds(3600), hmacFields: ["user", "actor"]))
        let records = AuditLineBufferTests.records + [
            AuditRecord(type: "task.received", ["user": "u-1", "actor": ["nested": [1, "x\u{2028}"]], "n": .number("-1.5e3")]),
            AuditRecord(type: "t", ["user": .string(String(repeating: "\u{01}", count: 100))]),
            AuditRecord(type: "\u{00}\u{2029}", fields: []),
        ]
        for record in records {
            let prepared = try await log.prepare(record)
            #expect(prepared.body.count <= prepared.bodyBound)
            #expect(prepared.body == Array(AuditLine.prefix(seq: 1, ts: "t", type: prepared.record.type, fields: prepared.record.fields).utf8.dropFirst(#"{"seq":1,"ts":"t","#.utf8.count)))
        }
        try await log.close()
    }

    @Test("invalid number literals are refused wherever they sit; reserved keys at any position; nothing is written")
    func refusedRecordsLeaveNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(directory)
        let fine: [JSONValue.Member] = [.init("a", "x"), .init("b", 1), .init("c", ["d": [true, nil]])]
        var refused: [AuditRecord] = []
        for bad: JSONValue in [.number("1e"), .number("12abc"), .number(""), [.number("01")], ["k": [1, ["j": .number("NaN")]]]] {
            for position in 0...fine.count {
                var fields = fine
                fields.insert(.init("n", bad), at: position)
                refused.append(AuditRecord(type: "task.received", fields: fields))
            }
        }
        for key in ["seq", "ts", "type", "chain", "payload", "args", "kwargs"] {
            for position in 0...fine.count {
                var fields = fine
                fields.insert(.init(key, "v"), at: position)
                refused.append(AuditRecord(type: "task.received", fields: fields))
            }
        }
        for record in refused {
            await #expect(throws: AuditError.self, "\(record)") { try await log.append([record]) }
            // A bad record anywhere in a call refuses the whole call.
            await #expect(throws: AuditError.self) { try await log.append([AuditRecord(type: "ok", fields: fine), record]) }
        }
        #expect(await log.lastSeq == 0)
        // Near misses are ordinary fields and numbers.
        let accepted = AuditRecord(
            type: "audit.other",
            fields: [.init("seqs", 1), .init("tss", .number("-0.5e+3")), .init("payload_bytes", .number("0")), .init("chains", [.number("1E9")])])
        #expect(try await log.append([accepted]) == [1])
        try await log.close()
        let lines = try TestSupport.allLines(directory)
        #expect(lines.count == 2)  // the record and the closing checkpoint
        #expect(lines[0].contains(#""type":"audit.other","seqs":1,"tss":-0.5e+3,"payload_bytes":0,"chains":[1E9],"chain":"#))
    }
}
