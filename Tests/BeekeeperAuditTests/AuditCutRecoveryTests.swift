import BeekeeperCore
import Foundation
import Sodium
import Testing

@testable import BeekeeperAudit

/// A start-up that cuts a torn tail can itself be killed at any moment. Each test writes the
/// files exactly as a kill at one such moment leaves them, then starts the log: every cut must
/// end up with exactly one `audit.recovered` record, with the right `bytes_removed`.
@Suite("Audit log: every cut torn tail is reported exactly once, wherever a crash lands")
struct AuditCutRecoveryTests {
    static let liveName = "audit-0000000000000001.jsonl"
    /// Half a record, as a write cut short by a crash leaves it.
    static let tail = Array(#"{"seq":4,"ts":"2026-11-22T10:00:00.123456Z","type":"task.succ"#.utf8)

    /// One `audit.recovered` record, as far as the tests care.
    struct Cut: Equatable {
        var seq: Int
        var file: String
        var bytes: Int
        var resumedAfterSeq: Int
        var segment = AuditCutRecoveryTests.liveName
    }

    /// A cleanly closed log holding records 1...3 (two tasks and the closing checkpoint).
    /// Returns the live segment and its size: where anything appended to it gets cut.
    static func closedLog(_ directory: TemporaryDirectory) async throws -> (live: String, size: Int) {
        let log = try await TestSupport.open(directory)
        try await log.append([TestSupport.task("task.received", "a"), TestSupport.task("task.started", "a")])
        try await log.close()
        let live = directory.file(liveName)
        return (live, try TestSupport.size(live))
    }

    /// A start-up that finishes, and a clean shutdown.
    static func start(_ directory: TemporaryDirectory, options: AuditLogOptions = AuditLogOptions()) async throws {
        let log = try await TestSupport.open(directory, options: options)
        try await log.close()
    }

    /// Every `audit.recovered` record of the directory, in seq order.
    static func cuts(_ directory: TemporaryDirectory) throws -> [Cut] {
        try TestSupport.allLines(directory).map(TestSupport.parse).filter { $0["type"] == "audit.recovered" }.map { record in
            Cut(
                seq: record["seq"]?.intValue ?? -1, file: record["removed_bytes_file"]?.stringValue ?? "-",
                bytes: record["bytes_removed"]?.intValue ?? -1, resumedAfterSeq: record["resumed_after_seq"]?.intValue ?? -1,
                segment: record["segment"]?.stringValue ?? "-")
        }
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Where every crash must lead: each cut reported once, the chain intact, every copy marked
    /// recorded, no temporary copy left, and further starts add nothing.
    static func expectSettled(
        _ directory: TemporaryDirectory, cuts expected: [Cut], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        for round in 0..<2 {
            #expect(try cuts(directory) == expected, "start \(round + 1)", sourceLocation: sourceLocation)
            let report = try AuditVerifier.verify(paths: [directory.path], publicKey: TestSupport.signingKey.publicKey)
            #expect(report.ok, "\(report)", sourceLocation: sourceLocation)
            #expect(report.firstTrustedSeq == nil, sourceLocation: sourceLocation)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            for name in names where AuditTornFile(fileName: name) != nil {
                #expect(names.contains(name + ".recorded"), "\(name) is still pending", sourceLocation: sourceLocation)
            }
            for cut in expected {
                #expect(names.contains(cut.file), "the copy \(cut.file) is gone", sourceLocation: sourceLocation)
                #expect(try TestSupport.size(directory.file(cut.file)) == cut.bytes, sourceLocation: sourceLocation)
            }
            #expect(!names.contains { $0.hasSuffix(".tmp") }, "\(names)", sourceLocation: sourceLocation)
            if round == 0 { try await start(directory) }
        }
    }

    @Test("killed before the copy is written: the next start copies, cuts and reports")
    func killedBeforeCopy() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (live, size) = try await Self.closedLog(directory)
        try TestSupport.append(Self.tail, to: live)

        try await Self.start(directory)
        let copy = "\(Self.liveName).torn-\(size)"
        try await Self.expectSettled(directory, cuts: [Cut(seq: 4, file: copy, bytes: Self.tail.count, resumedAfterSeq: 3)])
        #expect(try Self.bytes(directory.file(copy)) == Self.tail)
    }

    @Test("killed while the copy is written: the .tmp is dropped and the tail copied whole")
    func killedWhileCopying() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (live, size) = try await Self.closedLog(directory)
        try TestSupport.append(Self.tail, to: live)
        let copy = "\(Self.liveName).torn-\(size)"
        try Data(Self.tail.prefix(10)).write(to: URL(fileURLWithPath: directory.file(copy + ".tmp")))

        try await Self.start(directory)
        try await Self.expectSettled(directory, cuts: [Cut(seq: 4, file: copy, bytes: Self.tail.count, resumedAfterSeq: 3)])
        #expect(try Self.bytes(directory.file(copy)) == Self.tail)
    }

    @Test("killed after the copy is durable, before the cut: that copy serves the cut, no second one")
    func killedBeforeCut() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (live, size) = try await Self.closedLog(directory)
        let intact = try Self.bytes(live)
        try TestSupport.append(Self.tail, to: live)
        let copy = "\(Self.liveName).torn-\(size)"
        try Data(Self.tail).write(to: URL(fileURLWithPath: directory.file(copy)))

        try await Self.start(directory)
        try await Self.expectSettled(directory, cuts: [Cut(seq: 4, file: copy, bytes: Self.tail.count, resumedAfterSeq: 3)])
        #expect(!FileManager.default.fileExists(atPath: directory.file(copy + "-2")))
        // Cut back to the whole lines, then the record and the closing checkpoint.
        #expect(Array(try Self.bytes(live).prefix(size)) == intact)
        #expect(try TestSupport.lines(live).count == 5)
    }

    @Test("killed after the cut, before audit.recovered: the next start writes it, in every fsync mode",
        arguments: AuditLogOptions.FsyncMode.allCases)
    func killedBeforeRecord(mode: AuditLogOptions.FsyncMode) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (_, size) = try await Self.closedLog(directory)
        // The segment is already back at `size`; only the copy tells of the cut.
        let copy = "\(Self.liveName).torn-\(size)"
        try Data(Self.tail).write(to: URL(fileURLWithPath: directory.file(copy)))

        let log = try await TestSupport.open(directory, options: AuditLogOptions(fsync: mode))
        // Reported before the log takes any record of its own.
        #expect(await log.lastSeq == 4)
        #expect(FileManager.default.fileExists(atPath: directory.file(copy + ".recorded")))
        try await log.close()
        try await Self.expectSettled(directory, cuts: [Cut(seq: 4, file: copy, bytes: Self.tail.count, resumedAfterSeq: 3)])
    }

    @Test("killed after audit.recovered is durable, before the marker: marked, not reported again")
    func killedBeforeMarker() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (live, size) = try await Self.closedLog(directory)
        try TestSupport.append(Self.tail, to: live)
        try await Self.start(directory)
        let copy = "\(Self.liveName).torn-\(size)"
        try FileManager.default.removeItem(atPath: directory.file(copy + ".recorded"))

        try await Self.start(directory)
        try await Self.expectSettled(directory, cuts: [Cut(seq: 4, file: copy, bytes: Self.tail.count, resumedAfterSeq: 3)])
    }

    @Test("killed before the marker, the record since sealed in a compressed segment: still found, not reported again")
    func recordInSealedSegment() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (live, size) = try await Self.closedLog(directory)
        try TestSupport.append(Self.tail, to: live)
        let log = try await TestSupport.open(directory)
        try await log.rotate()
        try await log.append([TestSupport.task("task.received", "b")])
        try await log.close()
        #expect(FileManager.default.fileExists(atPath: live + ".gz"))
        let copy = "\(Self.liveName).torn-\(size)"
        try FileManager.default.removeItem(atPath: directory.file(copy + ".recorded"))

        try await Self.start(directory)
        try await Self.expectSettled(directory, cuts: [Cut(seq: 4, file: copy, bytes: Self.tail.count, resumedAfterSeq: 3)])
    }

    @Test("killed while audit.recovered is written: the torn record is a cut of its own, and each cut is reported once")
    func killedWhileWritingRecord() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (live, size) = try await Self.closedLog(directory)
        let copy = "\(Self.liveName).torn-\(size)"
        try Data(Self.tail).write(to: URL(fileURLWithPath: directory.file(copy)))
        let tornRecord = Array(#"{"seq":4,"ts":"2026-11-22T10:00:01.000000Z","type":"audit.recovered","bytes_remo"#.utf8)
        try TestSupport.append(tornRecord, to: live)

        try await Self.start(directory)
        try await Self.expectSettled(
            directory,
            cuts: [
                Cut(seq: 4, file: copy, bytes: Self.tail.count, resumedAfterSeq: 3),
                Cut(seq: 5, file: copy + "-2", bytes: tornRecord.count, resumedAfterSeq: 3),
            ])
        #expect(try Self.bytes(directory.file(copy)) == Self.tail)
        #expect(try Self.bytes(directory.file(copy + "-2")) == tornRecord)
    }

    @Test("a later cut at the same offset gets a new copy and never overwrites the earlier one")
    func sameOffsetKeepsEarlierCopy() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (live, size) = try await Self.closedLog(directory)
        let earlier = "\(Self.liveName).torn-\(size)"
        let evidence = Array("an earlier cut, already reported\n".utf8)
        try Data(evidence).write(to: URL(fileURLWithPath: directory.file(earlier)))
        _ = FileManager.default.createFile(atPath: directory.file(earlier + ".recorded"), contents: nil)
        try TestSupport.append(Self.tail, to: live)

        try await Self.start(directory)
        try await Self.expectSettled(directory, cuts: [Cut(seq: 4, file: earlier + "-2", bytes: Self.tail.count, resumedAfterSeq: 3)])
        #expect(try Self.bytes(directory.file(earlier)) == evidence)
        #expect(try Self.bytes(directory.file(earlier + "-2")) == Self.tail)
    }

    @Test("a record the disk refused at start-up leaves the cut pending for the next start", arguments: [true, false])
    func refusedRecordStaysPending(failClosed: Bool) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (live, size) = try await Self.closedLog(directory)
        try TestSupport.append(Self.tail, to: live)
        let copy = "\(Self.liveName).torn-\(size)"
        let faults = AuditFaultInjector()
        faults.failWrites(1, errno: ENOSPC)

        do {
            let log = try await TestSupport.open(directory, options: AuditLogOptions(failClosed: failClosed), faults: faults)
            #expect(!failClosed, "fail_closed: a start that cannot report its cut must fail")
            #expect(await log.lastSeq == 3)
            try await log.close()
        } catch let error as AuditError {
            #expect(failClosed, "\(error)")
            #expect(error.errno == ENOSPC)
        }
        // Cut, copied, not reported: pending.
        #expect(try TestSupport.size(live) == size)
        #expect(try Self.bytes(directory.file(copy)) == Self.tail)
        #expect(!FileManager.default.fileExists(atPath: directory.file(copy + ".recorded")))
        #expect(try Self.cuts(directory).isEmpty)

        try await Self.start(directory)
        try await Self.expectSettled(directory, cuts: [Cut(seq: 4, file: copy, bytes: Self.tail.count, resumedAfterSeq: 3)])
    }

    @Test("copies, markers and temporary copies are not segments: verify, query and listing skip them")
    func copiesAreNotSegments() async throws {
        for name in [
            "audit-0000000000000001.jsonl.torn-12", "audit-0000000000000001.jsonl.torn-12-2",
            "audit-0000000000000001.jsonl.torn-12.recorded", "audit-0000000000000001.jsonl.torn-12.tmp",
        ] {
            #expect(AuditSegments.parse(fileName: name) == nil, "\(name)")
        }
        let parsed = try #require(AuditTornFile(fileName: "audit-0000000000000007.jsonl.torn-12-3"))
        #expect(parsed.segment == "audit-0000000000000007.jsonl")
        #expect(parsed.segmentFirstSeq == 7)
        #expect(parsed.offset == 12)
        #expect(parsed.copy == 3)
        #expect(AuditTornFile(fileName: "audit-0000000000000007.jsonl.torn-12")?.copy == 1)
        for notACopy in [
            "audit-0000000000000001.jsonl.torn-12.recorded", "audit-0000000000000001.jsonl.torn-12.tmp",
            "audit-0000000000000001.jsonl.torn-012", "audit-0000000000000001.jsonl.torn-12-1",
            "audit-0000000000000001.jsonl.torn--1", "audit-0000000000000001.jsonl.torn-", "audit-1.jsonl.torn-5",
            "audit-0000000000000001.jsonl.gz.torn-5", ".torn-5",
        ] {
            #expect(AuditTornFile(fileName: notACopy) == nil, "\(notACopy)")
        }

        // A directory with a reported copy, a pending one and a leftover .tmp beside the segment.
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (live, size) = try await Self.closedLog(directory)
        try TestSupport.append(Self.tail, to: live)
        try await Self.start(directory)
        let copy = "\(Self.liveName).torn-\(size)"
        try FileManager.default.removeItem(atPath: directory.file(copy + ".recorded"))
        try Data("{}\n".utf8).write(to: URL(fileURLWithPath: directory.file(copy + "-2.tmp")))
        #expect(try AuditSegments.list(directory: directory.path).map(\.path) == [live])
        let report = try AuditVerifier.verify(paths: [directory.path], publicKey: TestSupport.signingKey.publicKey)
        #expect(report.ok, "\(report)")
        #expect(report.segmentsChecked == 1)
        var seqs: [Int] = []
        try AuditQuery().run(directory: directory.path, hmacKey: nil) { record, _ in
            seqs.append(record["seq"]?.intValue ?? -1)
            return true
        }
        #expect(seqs == [1, 2, 3, 4, 5])
    }
}
