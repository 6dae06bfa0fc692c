import BeekeeperCore
import Foundation
import Synchronization
import Testing

@testable import BeekeeperAudit

/// `append(_:followedBy:)`: a follower runs as part of its records' group commit, once per group,
/// only after the group's write and fdatasync succeeded, and before the appender is resumed.
@Suite("AuditLog follow-ups")
struct AuditFollowUpTests {
    /// Records each call, and what the live segment held at that moment.
    final class RecordingFollower: AuditGroupFollower {
        struct Call {
            var items: [String]
            var segmentLines: [String]
        }

        let segment: String
        let calls = Mutex<[Call]>([])

        init(segment: String) { self.segment = segment }

        func groupDurable(_ followUps: [AuditFollowUp], done: @escaping @Sendable () -> Void) {
            let lines = (try? TestSupport.lines(segment)) ?? []
            calls.withLock { $0.append(Call(items: followUps.map { String(decoding: $0.item, as: UTF8.self) }, segmentLines: lines)) }
            done()
        }

        var snapshot: [Call] { calls.withLock { $0 } }
    }

    static func followUp(_ follower: RecordingFollower, _ item: String) -> AuditFollowUp {
        AuditFollowUp(follower: follower, item: Array(item.utf8))
    }

    @Test("a follow-up runs after its records are in the segment, before the append returns")
    func runsAfterTheGroup() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(directory)
        let follower = RecordingFollower(segment: directory.file("audit-0000000000000001.jsonl"))
        let seqs = try await log.append([TestSupport.task("task.succeeded", "a")], followedBy: Self.followUp(follower, "line-a"))
        #expect(seqs == [1])
        let calls = follower.snapshot
        #expect(calls.count == 1)
        #expect(calls.first?.items == ["line-a"])
        #expect(calls.first?.segmentLines.last?.contains(#""task_id":"a""#) == true, "the record was not written before its follow-up")
        #expect(await log.statistics.fsyncs == 1)
        try await log.close()
    }

    /// Keeps each `done` until the test releases it.
    final class HoldingFollower: AuditGroupFollower {
        let held = Mutex<[@Sendable () -> Void]>([])

        func groupDurable(_ followUps: [AuditFollowUp], done: @escaping @Sendable () -> Void) {
            held.withLock { $0.append(done) }
        }

        var heldCount: Int { held.withLock { $0.count } }

        func release() {
            for done in held.withLock({ held in defer { held = [] }; return held }) { done() }
        }
    }

    @Test("the appender is resumed only once its follower called done; the writer goes on meanwhile")
    func waitsForDone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(directory)
        let follower = HoldingFollower()
        let returned = Mutex(false)
        let append = Task {
            let seqs = try await log.append([TestSupport.task("task.succeeded", "a")], followedBy: AuditFollowUp(follower: follower, item: [1]))
            returned.withLock { $0 = true }
            return seqs
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while follower.heldCount == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(follower.heldCount == 1)
        // The writer is free: a plain append behind the held group commits and returns.
        #expect(try await log.append([TestSupport.task("task.received", "b")]) == [2])
        #expect(!returned.withLock { $0 }, "the appender was resumed before its follower was done")
        follower.release()
        #expect(try await append.value == [1])
        try await log.close()
    }

    @Test("a failed fdatasync runs no follow-up; the retry that succeeds runs it once")
    func failedSyncRunsNone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let faults = AuditFaultInjector()
        let log = try await TestSupport.open(directory, faults: faults)
        let follower = RecordingFollower(segment: directory.file("audit-0000000000000001.jsonl"))
        faults.failSyncs(1, errno: EIO)
        await #expect(throws: AuditError.self) {
            try await log.append([TestSupport.task("task.succeeded", "a")], followedBy: Self.followUp(follower, "line-a"))
        }
        #expect(follower.snapshot.isEmpty, "a follow-up ran although its group never became durable")
        faults.failWrites(1, errno: ENOSPC)
        await #expect(throws: AuditError.self) {
            try await log.append([TestSupport.task("task.succeeded", "a")], followedBy: Self.followUp(follower, "line-a"))
        }
        #expect(follower.snapshot.isEmpty, "a follow-up ran although its group's write failed")
        try await log.append([TestSupport.task("task.succeeded", "a")], followedBy: Self.followUp(follower, "line-a"))
        #expect(follower.snapshot.map(\.items) == [["line-a"]])
        try await log.close()
    }

    @Test("with fail_closed off a dropped group returns no seqs and runs no follow-up")
    func droppedGroupRunsNone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let faults = AuditFaultInjector()
        let log = try await TestSupport.open(directory, options: AuditLogOptions(checkpointInterval: .seconds(3600), failClosed: false), faults: faults)
        let follower = RecordingFollower(segment: directory.file("audit-0000000000000001.jsonl"))
        faults.failSyncs(1, errno: EIO)
        let seqs = try await log.append([TestSupport.task("task.succeeded", "a")], followedBy: Self.followUp(follower, "line-a"))
        #expect(seqs.isEmpty)
        #expect(follower.snapshot.isEmpty)
        try await log.close()
    }

    @Test("concurrent appends: one follower call per group commit, every item once, in seq order")
    func oncePerGroup() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(directory)
        let follower = RecordingFollower(segment: directory.file("audit-0000000000000001.jsonl"))
        let count = 200
        let seqs = try await withThrowingTaskGroup(of: (String, UInt64).self) { group in
            for index in 0..<count {
                group.addTask {
                    let seqs = try await log.append(
                        [TestSupport.task("task.succeeded", "t\(index)")], followedBy: Self.followUp(follower, "t\(index)"))
                    return ("t\(index)", seqs[0])
                }
            }
            var seqs: [String: UInt64] = [:]
            for try await (item, seq) in group { seqs[item] = seq }
            return seqs
        }
        let calls = follower.snapshot
        let fsyncs = await log.statistics.fsyncs
        // Every group here carried follow-ups (no detached records, no checkpoint): one call per fdatasync.
        #expect(UInt64(calls.count) == fsyncs, "\(calls.count) follower calls for \(fsyncs) group commits")
        #expect(calls.count < count, "\(calls.count) calls for \(count) appends: no grouping")
        let items = calls.flatMap(\.items)
        #expect(items.count == count && Set(items).count == count)
        #expect(items.map { seqs[$0] ?? 0 } == items.map { seqs[$0] ?? 0 }.sorted(), "items out of seq order")
        try await log.close()
    }

    @Test("in none mode a follow-up runs after the plain write, through the writer")
    func noneMode() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(directory, options: AuditLogOptions(fsync: .none, checkpointInterval: .seconds(3600)))
        let follower = RecordingFollower(segment: directory.file("audit-0000000000000001.jsonl"))
        try await log.append([TestSupport.task("task.received", "a")])
        try await log.append([TestSupport.task("task.succeeded", "a")], followedBy: Self.followUp(follower, "line-a"))
        #expect(follower.snapshot.map(\.items) == [["line-a"]])
        #expect(follower.snapshot.first?.segmentLines.count == 2)
        #expect(await log.statistics.fsyncs == 0)
        try await log.close()
    }
}
