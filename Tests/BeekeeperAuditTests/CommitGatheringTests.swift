import BeekeeperCore
import Testing

@testable import BeekeeperAudit

/// The commit delay's rule alone (``CommitGathering``), then the log that follows it.
@Suite("commit gathering")
struct CommitGatheringTests {
    @Test("a lone caller never waits: the last group had one waiter, or none yet")
    func loneCaller() {
        var gathering = CommitGathering()
        var woke = gathering.waiterQueued()
        #expect(!woke)
        var waits = gathering.startWaiting()
        #expect(!waits, "nothing was synced yet")
        gathering.tookQueue()
        gathering.committing(waiters: 1)
        woke = gathering.waiterQueued()
        #expect(!woke)
        waits = gathering.startWaiting()
        #expect(!waits, "the last group had one waiter")
    }

    @Test("after a group of four, one queued waiter waits for four; the fourth ends the wait")
    func waitsForTheLastGroupsSize() {
        var gathering = CommitGathering()
        gathering.committing(waiters: 4)
        _ = gathering.waiterQueued()
        let waits = gathering.startWaiting()
        #expect(waits)
        #expect(gathering.target == 4)
        var wakes: [Bool] = []
        for _ in 0..<4 { wakes.append(gathering.waiterQueued()) }
        #expect(wakes == [false, false, true, false], "the fourth queued waiter ends the wait; a fifth wakes nothing")
        #expect(gathering.target == nil)
    }

    @Test("already enough queued, or nothing queued: no wait")
    func noWaitWhenEnoughOrNothing() {
        var gathering = CommitGathering()
        gathering.committing(waiters: 3)
        var waits = gathering.startWaiting()
        #expect(!waits, "no waited append is queued (controls, detached records)")
        for _ in 0..<3 { _ = gathering.waiterQueued() }
        waits = gathering.startWaiting()
        #expect(!waits, "three queued after a group of three")
    }

    @Test("a group without waiters (detached records) keeps the last size; the delay's end clears the target")
    func detachedGroupsAndTimeouts() {
        var gathering = CommitGathering()
        gathering.committing(waiters: 5)
        gathering.committing(waiters: 0)
        #expect(gathering.lastGroupWaiters == 5)
        _ = gathering.waiterQueued()
        var waits = gathering.startWaiting()
        #expect(waits)
        #expect(gathering.target == 5)
        gathering.stopWaiting()
        #expect(gathering.target == nil)
        gathering.tookQueue()
        #expect(gathering.queuedWaiters == 0)
        gathering.committing(waiters: 1)
        _ = gathering.waiterQueued()
        waits = gathering.startWaiting()
        #expect(!waits, "after a lone group the rule stands down again")
    }

    @Test("batch: sixteen appenders coming back at different times share an fdatasync per round", .timeLimit(.minutes(1)))
    func sixteenAppendersGather() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // A long delay, so the rule (not the timer) decides every group in this test.
        let log = try await TestSupport.open(
            directory, options: AuditLogOptions(fsync: .batch, checkpointInterval: .seconds(3600), commitDelay: .milliseconds(100)))
        let rounds = 20
        try await withThrowingTaskGroup(of: Void.self) { group in
            for appender in 0..<16 {
                group.addTask {
                    for round in 0..<rounds {
                        try await log.append([TestSupport.task("task.received", "a\(appender)-\(round)")])
                        // Callers come back at different times (a bee's run between two appends):
                        // without the rule the first ones back form a group of their own.
                        try await Task.sleep(for: .milliseconds(appender % 4))
                    }
                }
            }
            try await group.waitForAll()
        }
        let statistics = await log.statistics
        #expect(statistics.records == 16 * rounds)
        // One round is one fdatasync once every appender is in the group; the first rounds form it.
        // Without the rule the staggered returns split every round into several groups.
        #expect(statistics.fsyncs <= UInt64(rounds + 6), "\(statistics.fsyncs) fdatasyncs for \(rounds) rounds of 16")
        try await log.close()
        let seqs = try TestSupport.lines(directory.file("audit-0000000000000001.jsonl")).map { try TestSupport.parse($0)["seq"]!.intValue! }
        #expect(seqs == Array(1...(16 * rounds + 1)))
    }

    @Test("a lone appender never waits for company, even with an hour's commit delay", .timeLimit(.minutes(1)))
    func loneAppenderNeverWaits() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(
            directory, options: AuditLogOptions(fsync: .batch, checkpointInterval: .seconds(3600), commitDelay: .seconds(3600)))
        for index in 0..<50 { try await log.append([TestSupport.task("task.received", "t\(index)")]) }
        #expect(await log.statistics.fsyncs == 50, "each lone append is its own group")
        try await log.close()
    }

    @Test("when company does not come the group goes at the delay, and close still works", .timeLimit(.minutes(1)))
    func companyThatNeverComes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let log = try await TestSupport.open(
            directory, options: AuditLogOptions(fsync: .batch, checkpointInterval: .seconds(3600), commitDelay: .milliseconds(50)))
        // A burst of eight concurrent appends: a group with company, so the rule arms.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 { group.addTask { try await log.append([TestSupport.task("task.received", "burst-\(index)")]) } }
            try await group.waitForAll()
        }
        // Then one appender alone: its first group waits for company that never comes, and goes.
        for index in 0..<3 { try await log.append([TestSupport.task("task.received", "alone-\(index)")]) }
        #expect(await log.statistics.records == 11)
        try await log.close()
        #expect(try TestSupport.lines(directory.file("audit-0000000000000001.jsonl")).count == 12)
    }
}
