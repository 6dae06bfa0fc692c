import BeekeeperCore
import Foundation
import Sodium
import Synchronization
import Testing

@testable import BeekeeperAudit

@Suite("Audit log writing")
struct AuditLogTests {
    @Test("seq and chain continue across reopen")
    func continuesAcrossReopen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var log = try await TestSupport.open(directory)
        #expect(try await log.append([TestSupport.task("task.received", "a"), TestSupport.task("task.started", "a")]) == [1, 2])
        try await log.close()
        try await log.close()  // idempotent
        log = try await TestSupport.open(directory)
        #expect(await log.lastSeq == 3)  // the closing checkpoint
        #expect(try await log.append([TestSupport.task("task.succeeded", "a")]) == [4])
        try await log.close()

        let lines = try TestSupport.allLines(directory)
        #expect(lines.count == 5)
        var previous = String(repeating: "0", count: 64)
        for (index, line) in lines.enumerated() {
            let record = try TestSupport.parse(line)
            #expect(record["seq"]?.intValue == index + 1)
            #expect(record["chain"]?.stringValue == TestSupport.expectedChain(previous: previous, line: line))
            previous = record["chain"]!.stringValue!
        }
        #expect(!lines.joined().contains("audit.recovered"))
    }

    @Test("the compression observer hears of each sealed segment once its .jsonl.gz is complete")
    func compressionObserver() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let heard = Mutex<[String]>([])
        let options = AuditLogOptions(rotateBytes: 1500, compressionObserver: { path in
            // Called once the file is in place: it must already be readable under its final name.
            let exists = FileManager.default.fileExists(atPath: path)
            heard.withLock { $0.append(exists ? path : "missing: " + path) }
        })
        let log = try await TestSupport.open(directory, options: options)
        for index in 1...20 {
            try await log.append([TestSupport.task("task.received", "task-\(index)")])
        }
        await log.waitForCompression()
        let compressed = try AuditSegments.list(directory: directory.path).filter(\.isCompressed).map(\.path)
        #expect(compressed.count >= 2)
        #expect(heard.withLock { $0 }.sorted() == compressed)
        try await log.close()
    }

    @Test("rotation by size: sealed segments end with a checkpoint, are gzip-compressed and the chain runs on")
    func rotationBySize() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var log = try await TestSupport.open(directory, options: AuditLogOptions(rotateBytes: 1500))
        for index in 1...30 {
            try await log.append([TestSupport.task("task.received", "task-\(index)")])
        }
        await log.waitForCompression()
        #expect(await log.statistics.rotations >= 3)
        let segments = try AuditSegments.list(directory: directory.path)
        #expect(segments.count >= 4)
        #expect(segments.dropLast().allSatisfy { $0.isCompressed })
        #expect(segments.last?.isCompressed == false)
        for segment in segments.dropLast() {
            try TestSupport.run("/usr/bin/gzip", ["-t", segment.path])  // throws on a bad gzip file
            let lines = try TestSupport.lines(segment.path)
            #expect(try TestSupport.parse(lines.last!)["type"] == "audit.checkpoint")
            #expect(try TestSupport.parse(lines.first!)["seq"]?.intValue == Int(segment.firstSeq))
            #expect(!FileManager.default.fileExists(atPath: segment.path.replacingOccurrences(of: ".gz", with: "")))
        }
        try await log.close()

        // Reopen continues the chain into the live segment, also when it is still empty.
        let lastBefore = try #require(try TestSupport.allLines(directory).last)
        await #expect(throws: AuditError.closed) { try await log.rotate() }
        log = try await TestSupport.open(directory)
        let next = try await log.append([TestSupport.task("task.received", "after-reopen")])
        let lastSeqBefore = try TestSupport.parse(lastBefore)["seq"]!.intValue!
        #expect(next == [UInt64(lastSeqBefore + 1)])
        try await log.rotate()
        try await log.close()
        // A live segment removed while the log was down: the next one is created from the
        // last compressed segment's last record.
        let live = try #require(try AuditSegments.list(directory: directory.path).last)
        #expect(!live.isCompressed)
        try FileManager.default.removeItem(atPath: live.path)
        log = try await TestSupport.open(directory)
        let resumed = try await log.append([TestSupport.task("task.received", "after-removal")])
        #expect(resumed == [live.firstSeq])
        try await log.close()

        let report = try AuditVerifier.verify(paths: [directory.path], publicKey: TestSupport.signingKey.publicKey)
        #expect(report.ok, "\(report)")
        #expect(report.firstTrustedSeq == nil)
        let lineCount = try TestSupport.allLines(directory).count
        #expect(report.recordsChecked == lineCount)
    }

    @Test("rotation by age and periodic checkpoints follow the clock")
    func rotationByAgeAndCheckpoints() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = ManualClock()
        let options = AuditLogOptions(rotateAge: .seconds(60), checkpointInterval: .seconds(10))
        let log = try await TestSupport.open(directory, options: options, clock: clock)
        try await log.append([TestSupport.task("task.received", "a")])
        await log.tick()
        try await log.control(.sync)
        #expect(await log.statistics.recordsByType["audit.checkpoint"] == nil)
        clock.advance(.seconds(11))
        await log.tick()
        try await log.control(.sync)
        #expect(await log.statistics.recordsByType["audit.checkpoint"] == 1)
        // No records since: no new checkpoint.
        clock.advance(.seconds(11))
        await log.tick()
        try await log.control(.sync)
        #expect(await log.statistics.recordsByType["audit.checkpoint"] == 1)
        #expect(await log.statistics.rotations == 0)
        clock.advance(.seconds(40))
        await log.tick()
        try await log.control(.sync)
        #expect(await log.statistics.rotations == 1)
        try await log.append([TestSupport.task("task.received", "b")])
        await log.waitForCompression()
        #expect(try directory.segmentNames() == ["audit-0000000000000001.jsonl.gz", "audit-0000000000000003.jsonl"])
        try await log.close()
    }

    @Test("group commit: 200 concurrent appends are acknowledged with unique, contiguous seqs and fewer fsyncs")
    func groupCommit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // No timed checkpoint: on a loaded machine this test can outlast the 10 s default and count one more record.
        let log = try await TestSupport.open(directory, options: AuditLogOptions(fsync: .batch, checkpointInterval: .seconds(3600)))
        let results = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await log.append([TestSupport.task("task.received", "t\(index)"), TestSupport.task("task.started", "t\(index)")])
                }
            }
            return try await group.reduce(into: [[UInt64]]()) { $0.append($1) }
        }
        #expect(results.count == 200)
        // The two records of one call are contiguous.
        #expect(results.allSatisfy { $0.count == 2 && $0[1] == $0[0] + 1 })
        #expect(results.flatMap { $0 }.sorted() == Array(1...400))
        let statistics = await log.statistics
        #expect(statistics.fsyncs >= 1)
        #expect(statistics.fsyncs < 200, "\(statistics.fsyncs) fsyncs for 200 appends")
        #expect(statistics.records == 400)
        try await log.close()
        // Every acknowledged record is in the file, in seq order.
        let lines = try TestSupport.lines(directory.file("audit-0000000000000001.jsonl"))
        #expect(lines.count == 401)
        let seqs = try lines.map { try TestSupport.parse($0)["seq"]!.intValue! }
        #expect(seqs == Array(1...401))
    }

    @Test("always: every append call gets its own fdatasync")
    func alwaysMode() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // No periodic checkpoint (its own fsync) may land inside the count on a slow machine.
        let log = try await TestSupport.open(directory, options: AuditLogOptions(fsync: .always, checkpointInterval: .seconds(3600)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask { try await log.append([TestSupport.task("task.received", "t\(index)")]) }
            }
            try await group.waitForAll()
        }
        #expect(await log.statistics.fsyncs == 20)
        try await log.close()
    }

    @Test("interval: acknowledged after write, fdatasync on the interval")
    func intervalMode() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = ManualClock()
        let log = try await TestSupport.open(
            directory, options: AuditLogOptions(fsync: .interval, fsyncInterval: .seconds(1)), clock: clock)
        for index in 0..<5 { try await log.append([TestSupport.task("task.received", "t\(index)")]) }
        #expect(await log.statistics.fsyncs == 0)
        #expect(try TestSupport.lines(directory.file("audit-0000000000000001.jsonl")).count == 5)
        clock.advance(.seconds(2))
        await log.tick()
        try await log.control(.checkpoint)  // queued behind the sync
        #expect(await log.statistics.fsyncs == 1)
        try await log.close()
    }

    @Test("a second open of the same directory fails, naming the holder")
    func lock() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(directory)
        do {
            _ = try await TestSupport.openOnce(directory, options: AuditLogOptions(), clock: nil, faults: nil)
            Issue.record("second open succeeded")
        } catch let error as AuditError {
            #expect(error == .locked(lockFile: directory.file("audit.lock"), holderPID: getpid()))
            #expect(error.description.contains("process \(getpid())"))
        }
        try await log.close()
        let again = try await TestSupport.open(directory)
        try await again.close()
    }

    @Test("torn tail: a half line is cut and audit.recovered says how many bytes went")
    func tornHalfLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var log = try await TestSupport.open(directory)
        try await log.append([TestSupport.task("task.received", "a"), TestSupport.task("task.started", "a")])
        try await log.close()
        let live = directory.file("audit-0000000000000001.jsonl")
        let sizeBefore = try TestSupport.size(live)
        let half = Array(#"{"seq":4,"ts":"2026-11-22T10:00:00.123456Z","type":"task.succ"#.utf8)
        try TestSupport.append(half, to: live)

        log = try await TestSupport.open(directory)
        try await log.append([TestSupport.task("task.succeeded", "a")])
        try await log.close()
        let lines = try TestSupport.lines(live)
        let recovered = try TestSupport.parse(lines[3])
        #expect(recovered["seq"]?.intValue == 4)
        #expect(recovered["type"] == "audit.recovered")
        #expect(recovered["bytes_removed"]?.intValue == half.count)
        #expect(recovered["resumed_after_seq"]?.intValue == 3)
        #expect(try TestSupport.parse(lines[4])["type"] == "task.succeeded")
        // The cut bytes are kept for inspection.
        let kept = try Data(contentsOf: URL(fileURLWithPath: live + ".torn-\(sizeBefore)"))
        #expect(Array(kept) == half)
        let report = try AuditVerifier.verify(paths: [directory.path], publicKey: TestSupport.signingKey.publicKey)
        #expect(report.ok, "\(report)")
    }

    @Test("torn tail: garbage and lines whose chain does not verify are cut back to the last chained line")
    func tornGarbage() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var log = try await TestSupport.open(directory)
        try await log.append([TestSupport.task("task.received", "a")])
        try await log.close()
        let live = directory.file("audit-0000000000000001.jsonl")
        // A well-formed record with a wrong chain, then garbage.
        let forged = #"{"seq":3,"ts":"2026-11-22T10:00:00.123456Z","type":"task.succeeded","chain":""#
            + String(repeating: "ab", count: 32) + "\"}\n"
        let tail = Array(forged.utf8) + [0, 0, 0, 0] + Array("\u{1}garbage\n".utf8)
        try TestSupport.append(tail, to: live)

        log = try await TestSupport.open(directory)
        #expect(await log.lastSeq == 3)
        try await log.close()
        let lines = try TestSupport.lines(live)
        let recovered = try TestSupport.parse(lines[2])
        #expect(recovered["type"] == "audit.recovered")
        #expect(recovered["bytes_removed"]?.intValue == tail.count)
        #expect(recovered["resumed_after_seq"]?.intValue == 2)
        let report = try AuditVerifier.verify(paths: [directory.path], publicKey: TestSupport.signingKey.publicKey)
        #expect(report.ok, "\(report)")
    }

    @Test("startup finishes compressing a sealed segment and cleans up after an interrupted compression")
    func startupCompression() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var log = try await TestSupport.open(directory)
        try await log.append([TestSupport.task("task.received", "a")])
        try await log.rotate()
        try await log.append([TestSupport.task("task.received", "b")])
        try await log.rotate()
        try await log.append([TestSupport.task("task.received", "c")])
        try await log.close()
        #expect(try directory.segmentNames() == [
            "audit-0000000000000001.jsonl.gz", "audit-0000000000000003.jsonl.gz", "audit-0000000000000005.jsonl",
        ])
        // As if the sidecar died: segment 1 sealed but never compressed, segment 3 compressed
        // but its plain file not removed, and a half-written temporary file.
        let first = directory.file("audit-0000000000000001.jsonl")
        try TestSupport.write(try TestSupport.lines(first + ".gz").joined(separator: "\n") + "\n", to: first)
        try FileManager.default.removeItem(atPath: first + ".gz")
        let third = directory.file("audit-0000000000000003.jsonl")
        try TestSupport.write(try TestSupport.lines(third + ".gz").joined(separator: "\n") + "\n", to: third)
        try TestSupport.write("half", to: directory.file("audit-0000000000000001.jsonl.gz.tmp"))

        log = try await TestSupport.open(directory)
        await log.waitForCompression()
        #expect(try directory.segmentNames() == [
            "audit-0000000000000001.jsonl.gz", "audit-0000000000000003.jsonl.gz", "audit-0000000000000005.jsonl",
        ])
        try TestSupport.run("/usr/bin/gzip", ["-t", first + ".gz"])
        try await log.append([TestSupport.task("task.received", "d")])
        try await log.close()
        let report = try AuditVerifier.verify(paths: [directory.path], publicKey: TestSupport.signingKey.publicKey)
        #expect(report.ok, "\(report)")
    }

    @Test("an empty live segment with everything before it gone refuses to fork the chain")
    func cannotContinueChain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(directory)
        try await log.append([TestSupport.task("task.received", "a")])
        try await log.rotate()
        try await log.close()
        try FileManager.default.removeItem(atPath: directory.file("audit-0000000000000001.jsonl.gz"))
        do {
            _ = try await TestSupport.open(directory)
            Issue.record("opened a log whose chain it cannot continue")
        } catch let error as AuditError {
            #expect(error.description.contains("cannot continue the chain"))
        }
    }

    @Test("a live segment with records continues when the segments before it are gone")
    func continuesAfterOldestGone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var log = try await TestSupport.open(directory)
        try await log.append([TestSupport.task("task.received", "a")])
        try await log.rotate()
        try await log.append([TestSupport.task("task.received", "b")])
        try await log.close()
        try FileManager.default.removeItem(atPath: directory.file("audit-0000000000000001.jsonl.gz"))
        log = try await TestSupport.open(directory)
        #expect(try await log.append([TestSupport.task("task.received", "c")]) == [5])
        try await log.close()
        let report = try AuditVerifier.verify(paths: [directory.path], publicKey: TestSupport.signingKey.publicKey)
        #expect(report.ok, "\(report)")
        #expect(report.firstTrustedSeq == 3)
    }

    @Test("detached records keep their order, cost no fdatasync of their own in batch mode, and are synced by the next waited group or a tick")
    func detachedRecords() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = ManualClock()
        let log = try await TestSupport.open(directory, clock: clock)
        #expect(try await log.append([TestSupport.task("task.approved", "a")]) == [1])
        let synced = await log.statistics.fsyncs

        try await log.appendDetached([TestSupport.task("task.started", "a")])
        try await waitForSeq(2, in: log)
        #expect(await log.statistics.fsyncs == synced)
        #expect(await log.unsynced)
        #expect(try await log.append([TestSupport.task("task.succeeded", "a")]) == [3])
        #expect(await log.statistics.fsyncs == synced + 1)
        #expect(await !log.unsynced)

        // Alone (a bee still running): a tick syncs it once fsync_interval has passed without a sync.
        try await log.appendDetached([TestSupport.task("task.started", "b")])
        try await waitForSeq(4, in: log)
        await log.tick()
        #expect(await log.unsynced)
        clock.advance(.seconds(2))
        await log.tick()
        let deadline = ContinuousClock.now + .seconds(5)
        while await log.unsynced, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await log.statistics.fsyncs == synced + 2)
        try await log.close()
        let types = try TestSupport.allLines(directory).map { try TestSupport.parse($0)["type"]?.stringValue }
        #expect(Array(types.prefix(4)) == ["task.approved", "task.started", "task.succeeded", "task.started"])
    }

    private func waitForSeq(_ seq: UInt64, in log: AuditLog) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while await log.statistics.lastSeq < seq {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
