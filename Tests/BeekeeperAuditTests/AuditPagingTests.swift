import BeekeeperCore
import Foundation
import Testing
import Zlib

@testable import BeekeeperAudit

/// Newest-first paging, the forward cursor, the task index and the incremental chain status:
/// what the review pages read with, over a real log of several sealed segments and a live one.
@Suite("audit pages: paging, cursor, task index, chain status")
struct AuditPagingTests {
    /// 40 tasks of 2 records each, rotated every 10 tasks (4 sealed, compressed segments) and a
    /// live one holding the last tasks.
    static func fixture() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let log = try await TestSupport.open(directory)
        for task in 0..<45 {
            try await log.append([TestSupport.task("task.received", "t\(task)"), TestSupport.task(task % 7 == 3 ? "task.blocked" : "task.approved", "t\(task)")])
            if task % 10 == 9 { try await log.rotate() }
        }
        await log.waitForCompression()
        try await log.close()
        return directory
    }

    @Test("pages run newest first, do not overlap, and together hold every match once")
    func pagesCoverEverythingOnce() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        var expected: [UInt64] = []
        try AuditQuery(type: "task.*").run(directory: directory.path, hmacKey: nil) { record, _ in
            expected.append(UInt64(record["seq"]!.intValue!))
            return true
        }
        #expect(expected.count == 90)
        var seen: [UInt64] = []
        var before: UInt64? = nil
        var pages = 0
        repeat {
            let page = try AuditQuery(type: "task.*").page(directory: directory.path, hmacKey: nil, before: before, size: 7)
            #expect(page.entries.count <= 7)
            let seqs = page.entries.map(\.seq)
            #expect(seqs == seqs.sorted(by: >), "a page is newest first")
            if let last = seen.last, let first = seqs.first { #expect(first < last, "pages do not overlap") }
            seen += seqs
            before = page.nextBefore
            pages += 1
        } while before != nil && pages < 100
        #expect(seen == expected.reversed())
        #expect(pages == 13)
    }

    @Test("a page stops at the segments it needs")
    func newestPageReadsOnlyTheNewestSegments() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        // Make the oldest sealed segment unreadable garbage: the newest page must not touch it.
        let oldest = try #require(try directory.segmentNames().first)
        try Data("not gzip".utf8).write(to: URL(fileURLWithPath: directory.file(oldest)))
        let page = try AuditQuery(type: "task.*").page(directory: directory.path, hmacKey: nil, before: nil, size: 5)
        #expect(page.entries.count == 5)
        #expect(page.entries.first?.record["task_id"]?.stringValue == "t44")
        #expect(throws: AuditError.self) { _ = try AuditQuery(type: "task.*").page(directory: directory.path, hmacKey: nil, before: 3, size: 5) }
    }

    @Test("the cursor returns the same records as query, in batches, oldest first")
    func cursorMatchesQuery() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        var lines: [String] = []
        try AuditQuery(outcome: "blocked").run(directory: directory.path, hmacKey: nil) { _, line in
            lines.append(line)
            return true
        }
        #expect(lines.count == 6)
        let cursor = try AuditQueryCursor(query: AuditQuery(outcome: "blocked"), directory: directory.path, hmacKey: nil)
        var batched: [String] = []
        while true {
            let batch = try cursor.next(4)
            if batch.isEmpty { break }
            #expect(batch.count <= 4)
            batched += batch.map(\.line)
        }
        #expect(batched == lines)
    }

    @Test("the task index narrows a lookup to the segment holding the task, and is rebuilt when deleted")
    func taskIndex() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        let indexDirectory = directory.file("index")
        let index = AuditTaskIndex(directory: indexDirectory)
        let segments = try AuditSegments.list(directory: directory.path)
        #expect(segments.filter(\.isCompressed).count == 4)
        let candidates = try index.candidates(taskID: "t12", in: segments)
        // The sealed segment of tasks 10-19, and the live segment (always searched).
        #expect(candidates.contains(segments[1]))
        #expect(candidates.count <= 3, "\(candidates.map(\.fileName))")
        #expect(candidates.last == segments.last)
        let files = try FileManager.default.contentsOfDirectory(atPath: indexDirectory).filter { $0.hasSuffix(".tasks") }
        #expect(files.count == 4)
        let entries = try AuditQuery.task("t12", directory: directory.path, index: index)
        #expect(entries.map(\.type) == ["task.received", "task.approved"])
        // Gone: rebuilt on the next lookup, same answer.
        try FileManager.default.removeItem(atPath: indexDirectory)
        #expect(try AuditQuery.task("t12", directory: directory.path, index: index).map(\.seq) == entries.map(\.seq))
        #expect(try FileManager.default.contentsOfDirectory(atPath: indexDirectory).filter { $0.hasSuffix(".tasks") }.count == 4)
        // A task that is not there: no sealed segment is read (nearly always; the filter errs rarely).
        #expect(try AuditQuery.task("nope", directory: directory.path, index: index).isEmpty)
    }

    @Test("a record, its line as stored and the chain before it")
    func recordLookup() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        let segments = try AuditSegments.list(directory: directory.path)
        // The first record of the second segment: its previous chain is in the first segment.
        let seq = segments[1].firstSeq
        let found = try #require(try AuditQuery.record(seq: seq, directory: directory.path))
        #expect(found.entry.seq == seq)
        let previous = try #require(try AuditQuery.record(seq: seq - 1, directory: directory.path))
        #expect(found.previousChain == previous.entry.chain)
        #expect(found.entry.linkHolds(previousChain: previous.entry.chain))
        #expect(!found.entry.linkHolds(previousChain: String(repeating: "0", count: 64)))
        let first = try #require(try AuditQuery.record(seq: 1, directory: directory.path))
        #expect(first.previousChain == String(repeating: "0", count: 64))
        #expect(try AuditQuery.record(seq: 10_000, directory: directory.path) == nil)
    }

    @Test("the chain status checks sealed segments once and notices a changed one")
    func chainStatus() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        let status = AuditChainStatus(directory: directory.path, publicKey: nil)
        let report = try status.report()
        #expect(report.ok, "\(report)")
        #expect(report.firstSeq == 1)
        #expect(report.lastCheckpoint != nil)
        #expect(try status.report() == report)
        // Replace the second sealed segment by one with a changed byte: the status sees it.
        let name = try directory.segmentNames()[1]
        var lines = try TestSupport.lines(directory.file(name))
        lines[1] = lines[1].replacingOccurrences(of: "finance", with: "financE")
        try Data(try Gzip.compress(Array((lines.joined(separator: "\n") + "\n").utf8))).write(to: URL(fileURLWithPath: directory.file(name)))
        let broken = try status.report()
        #expect(broken.fault?.file.hasSuffix(name) == true)
        #expect(broken.fault?.line == 2)
    }

    @Test("unknown types and outcomes are named with the valid values")
    func vocabulary() {
        #expect(AuditQuery.problem(type: "task.blocked") == nil)
        #expect(AuditQuery.problem(type: "task.*") == nil)
        #expect(AuditQuery.problem(type: "task.blokced")?.contains("task.blocked") == true)
        #expect(AuditQuery.problem(outcome: "succeeded") == nil)
        #expect(AuditQuery.problem(outcome: "ok")?.contains("timed_out") == true)
    }

    @Test("CSV quotes separators and defuses formulas")
    func csv() throws {
        let record = try JSONValue.parse(#"{"seq":3,"ts":"t","type":"task.failed","task_id":"a,b","error":"=cmd|\"x\"","duration_ms":-1.5}"#)
        #expect(AuditCSV.row(record) == "3,t,task.failed,\"a,b\",,,,,-1.5,,\"'=cmd|\"\"x\"\"\",,\r\n")
    }
}
