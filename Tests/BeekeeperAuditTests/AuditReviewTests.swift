import BeekeeperCore
import Foundation
import Synchronization
import Testing

@testable import BeekeeperAudit

@Suite("audit query, tail and segment housekeeping")
struct AuditReviewTests {
    /// Records at known times across a compressed and a live segment.
    static func fixture() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let clock = ManualClock(1_795_860_000_000_000)  // 2026-11-28T10:00:00Z
        let log = try await TestSupport.open(
            directory, options: AuditLogOptions(hmacFields: ["args.0.userId"]), clock: clock)
        let payload: JSONValue = ["args": [["userId": "user-1"]]]
        try await log.append([
            AuditRecord(type: "task.received", fields: [.init("task_id", "t1"), .init("bee", "finance"), .init("funcname", "validate_revenue")] + log.hmacMembers(for: payload)),
            TestSupport.task("task.succeeded", "t1"),
        ])
        clock.advance(.seconds(60))  // 10:01
        try await log.append([TestSupport.task("task.blocked", "t2", bee: "hr", funcname: "lookup")])
        try await log.rotate()
        await log.waitForCompression()
        clock.advance(.seconds(60))  // 10:02
        try await log.append([
            AuditRecord(type: "task.failed", ["task_id": "t3", "bee": "finance", "funcname": "validate_revenue", "attempt": 2, "args.0.userId": "user-2"]),
            AuditRecord(type: "auth.denied", ["actor": "mallory"]),
        ])
        try await log.close()
        return directory
    }

    static func query(_ directory: TemporaryDirectory, _ query: AuditQuery, key: [UInt8]? = TestSupport.hmacKey) throws -> [String] {
        var found: [String] = []
        try query.run(directory: directory.path, hmacKey: key) { record, line in
            let parsed = try JSONValue.parse(line)
            #expect(parsed == record)
            found.append("\(record["seq"]!.intValue!):\(record["type"]!.stringValue!)")
            return true
        }
        return found
    }

    @Test("filters over compressed and live segments, in seq order")
    func filters() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        #expect(try directory.segmentNames().first == "audit-0000000000000001.jsonl.gz")
        #expect(try Self.query(directory, AuditQuery(type: "task.*")) == ["1:task.received", "2:task.succeeded", "3:task.blocked", "5:task.failed"])
        #expect(try Self.query(directory, AuditQuery(bee: "finance")) == ["1:task.received", "2:task.succeeded", "5:task.failed"])
        #expect(try Self.query(directory, AuditQuery(funcname: "lookup")) == ["3:task.blocked"])
        #expect(try Self.query(directory, AuditQuery(outcome: "blocked")) == ["3:task.blocked"])
        #expect(try Self.query(directory, AuditQuery(taskID: "t1")) == ["1:task.received", "2:task.succeeded"])
        #expect(try Self.query(directory, AuditQuery(type: "audit.checkpoint")) == ["4:audit.checkpoint", "7:audit.checkpoint"])
        #expect(try Self.query(directory, AuditQuery(fields: [(key: "attempt", value: "2")])) == ["5:task.failed"])
        #expect(try Self.query(directory, AuditQuery(fields: [(key: "actor", value: "mallory")])) == ["6:auth.denied"])
        #expect(try Self.query(directory, AuditQuery(type: "task.*", limit: 2)) == ["1:task.received", "2:task.succeeded"])
    }

    /// Background compression may remove a sealed plain segment between a reader's listing and
    /// its open (a start-up catch-up query lost that race in CI): the reader follows it to its `.gz`.
    @Test("a plain segment compressed after listing is read from its .gz; a missing one still fails")
    func segmentCompressedAfterListing() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        let compressed = try #require(try AuditSegments.list(directory: directory.path).first)
        #expect(compressed.isCompressed)
        let plainPath = String(compressed.path.dropLast(3))
        let listedBeforeCompression = AuditSegment(
            firstSeq: compressed.firstSeq, path: plainPath, isCompressed: false, isShipped: false, byteCount: 0)
        let reader = try SegmentLineReader.open(listedBeforeCompression)
        #expect(reader.path == compressed.path)
        var types: [String] = []
        while let line = try reader.next() {
            guard case .success(let record) = AuditLine.parse(line.bytes[...]) else { Issue.record("unparsable line"); continue }
            types.append(record.type)
        }
        #expect(types == ["task.received", "task.succeeded", "task.blocked", "audit.checkpoint"])

        let gone = AuditSegment(firstSeq: 999, path: directory.file("audit-0000000000000999.jsonl"), isCompressed: false, isShipped: false, byteCount: 0)
        #expect {
            _ = try SegmentLineReader.open(gone)
        } throws: { error in
            guard case AuditError.io(_, let path, let code) = error else { return false }
            return path == gone.path && code == ENOENT
        }
    }

    /// Readers race background compression for real: each round seals a segment and queries at
    /// once, while its gzip runs. Every round must see every task record written so far.
    @Test("queries racing background compression see every record")
    func queriesRacingCompression() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(directory)
        var written = 0
        for round in 0..<60 {
            try await log.append((0..<20).map { TestSupport.task("task.succeeded", "r\(round)-\($0)") })
            written += 20
            try await log.rotate()
            var seen = 0
            try AuditQuery(type: "task.*").run(directory: directory.path, hmacKey: nil) { _, _ in
                seen += 1
                return true
            }
            #expect(seen == written, "round \(round)")
            _ = try AuditTail.last(written, directory: directory.path)
        }
        await log.waitForCompression()
        try await log.close()
        #expect(try AuditVerifier.verify(paths: [directory.path], publicKey: nil).fault == nil)
    }

    @Test("time range: since inclusive, until exclusive")
    func timeRange() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        let tenOhOne = Date(timeIntervalSince1970: 1_795_860_060)
        let tenOhTwo = Date(timeIntervalSince1970: 1_795_860_120)
        #expect(try Self.query(directory, AuditQuery(since: tenOhOne, until: tenOhTwo)) == ["3:task.blocked", "4:audit.checkpoint"])
        #expect(try Self.query(directory, AuditQuery(since: tenOhTwo, type: "task.*")) == ["5:task.failed"])
        #expect(try Self.query(directory, AuditQuery(until: tenOhOne)) == ["1:task.received", "2:task.succeeded"])
    }

    @Test("hmac fields are found by their clear value, and only with the key")
    func hmacLookup() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        let text = try TestSupport.allLines(directory).joined()
        #expect(!text.contains("user-1") && !text.contains("user-2"))
        #expect(try Self.query(directory, AuditQuery(fields: [(key: "args.0.userId", value: "user-1")])) == ["1:task.received"])
        #expect(try Self.query(directory, AuditQuery(fields: [(key: "args.0.userId", value: "user-2")])) == ["5:task.failed"])
        #expect(try Self.query(directory, AuditQuery(fields: [(key: "args.0.userId", value: "user-3")])) == [])
        #expect(try Self.query(directory, AuditQuery(fields: [(key: "args.0.userId", value: "user-1")]), key: nil) == [])
        #expect(try Self.query(directory, AuditQuery(fields: [(key: "args.0.userId", value: "user-1")]), key: Array("other".utf8)) == [])
    }

    @Test("the body can stop the query")
    func stops() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        var seen = 0
        try AuditQuery().run(directory: directory.path, hmacKey: nil) { _, _ in
            seen += 1
            return seen < 3
        }
        #expect(seen == 3)
    }

    @Test("tail: the last lines, and following new lines across rotation")
    func tail() async throws {
        let directory = try await Self.fixture()
        defer { directory.cleanup() }
        let last = try AuditTail.last(4, directory: directory.path)
        #expect(try last.map { try JSONValue.parse($0)["seq"]!.intValue! } == [4, 5, 6, 7])

        let log = try await TestSupport.open(directory)
        let seen = Mutex<[Int]>([])
        let follower = Task {
            try await AuditTail.follow(directory: directory.path, backlog: 1, pollInterval: .milliseconds(10)) { line in
                let seq = try JSONValue.parse(line)["seq"]!.intValue!
                return seen.withLock {
                    $0.append(seq)
                    return $0.count < 5
                }
            }
        }
        // Wait until the follower has shown its backlog (the closing checkpoint, seq 7).
        while seen.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }
        try await log.append([TestSupport.task("task.received", "x")])  // 8
        try await log.rotate()  // 9: closing checkpoint; the live segment becomes audit-10
        await log.waitForCompression()  // the plain file of the sealed segment is gone now
        try await log.append([TestSupport.task("task.received", "y")])  // 10
        try await log.append([TestSupport.task("task.received", "z")])  // 11
        try await follower.value
        #expect(seen.withLock { $0 } == [7, 8, 9, 10, 11])
        try await log.close()
    }

    @Test("keep_shipped removes only shipped segments past their time, never unshipped ones")
    func keepShipped() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(directory)
        for id in ["a", "b", "c"] {
            try await log.append([TestSupport.task("task.received", id)])
            try await log.rotate()
        }
        try await log.append([TestSupport.task("task.received", "d")])
        await log.waitForCompression()
        var ready = try AuditSegments.readyToShip(directory: directory.path)
        #expect(ready.map(\.fileName) == [
            "audit-0000000000000001.jsonl.gz", "audit-0000000000000003.jsonl.gz", "audit-0000000000000005.jsonl.gz",
        ])
        try AuditSegments.markShipped(ready[0], at: Date(timeIntervalSinceNow: -8 * 86400))
        try AuditSegments.markShipped(ready[1])
        ready = try AuditSegments.readyToShip(directory: directory.path)
        #expect(ready.map(\.fileName) == ["audit-0000000000000005.jsonl.gz"])

        // Far in the future, everything shipped is old enough; unshipped and live stay.
        let farFuture = Date(timeIntervalSinceNow: 365 * 86400)
        var removed = try AuditSegments.removeShipped(directory: directory.path, keep: .seconds(7 * 86400))
        #expect(removed.map(\.fileName) == ["audit-0000000000000001.jsonl.gz"])
        removed = try AuditSegments.removeShipped(directory: directory.path, keep: .seconds(7 * 86400), now: farFuture)
        #expect(removed.map(\.fileName) == ["audit-0000000000000003.jsonl.gz"])
        #expect(try AuditSegments.removeShipped(directory: directory.path, keep: .zero, now: farFuture).isEmpty)
        #expect(try directory.segmentNames() == ["audit-0000000000000005.jsonl.gz", "audit-0000000000000007.jsonl"])
        // The newest sealed segment stays even when shipped: the live one continues its chain.
        try AuditSegments.markShipped(try #require(AuditSegments.readyToShip(directory: directory.path).first))
        #expect(try AuditSegments.removeShipped(directory: directory.path, keep: .zero, now: farFuture).isEmpty)
        #expect(try directory.segmentNames() == [
            "audit-0000000000000005.jsonl.gz", "audit-0000000000000005.jsonl.gz.shipped", "audit-0000000000000007.jsonl",
        ])
        try await log.close()
        let report = try AuditVerifier.verify(paths: [directory.path], publicKey: log.publicKey)
        #expect(report.ok, "\(report)")
        #expect(report.firstTrustedSeq == 5)
    }
}
