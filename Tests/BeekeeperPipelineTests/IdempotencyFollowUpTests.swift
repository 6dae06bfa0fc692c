import BeekeeperCore
import Foundation
import Testing

@testable import BeekeeperAudit
@testable import BeekeeperPipeline

/// On the task path (`batch`, `always`) a finished outcome's journal line rides on its audit
/// record's group commit: written and fdatasync'ed right after the record's fdatasync, never
/// before it, and a failure of either keeps the behaviour of the separate journal commit.
@Suite("Idempotency journal on the outcome's commit", .serialized)
struct IdempotencyFollowUpTests {
    @Test("outcomes journalled through the audit commit replay after a restart, blocked ones too")
    func replayAfterRestart() async throws {
        let first = try await PipelineFixture.make()
        defer { first.cleanup() }
        let succeeded = await first.pipeline.run(first.submission("echo", id: "t-ok", args: ["a"]))
        let blocked = await first.pipeline.run(first.submission("echo", id: "t-drop", args: ["x; DROP TABLE invoices; --"]))
        // One fdatasync of the journal per outcome (each task alone in its group), none at claim.
        #expect(await first.pipeline.idempotency.journalSyncs == 2)
        #expect(try first.journalIDs() == ["t-ok", "t-drop"])
        try await first.close()

        let second = try await PipelineFixture.make(directory: first.directory)
        let replayOK = await second.pipeline.run(second.submission("echo", id: "t-ok", args: ["a"]))
        let replayDrop = await second.pipeline.run(second.submission("echo", id: "t-drop", args: ["x; DROP TABLE invoices; --"]))
        try await second.close()
        guard case .succeeded = succeeded.kind, case .blocked = blocked.kind else { Issue.record("got \(succeeded), \(blocked)"); return }
        #expect(replayOK.replayed && replayOK.kind.journalJSON == succeeded.kind.journalJSON)
        #expect(replayDrop.replayed && replayDrop.kind == blocked.kind)
        #expect(first.runs(of: "t-ok") == 1 && first.runs(of: "t-drop") == 0)
    }

    @Test("a journal fdatasync failure: the task is answered, the sync counted, the line kept, replays work")
    func journalSyncFailure() async throws {
        let faults = AuditFaultInjector()
        let fixture = try await PipelineFixture.make(journalFaults: faults)
        defer { fixture.cleanup() }
        faults.failSyncs(1, errno: EIO)
        let outcome = await fixture.pipeline.run(fixture.submission("echo", id: "t-sync", args: ["a"]))
        guard case .succeeded = outcome.kind else { Issue.record("got \(outcome)"); return }
        #expect(await fixture.pipeline.idempotency.journalSyncs == 1)
        #expect(try fixture.journalIDs() == ["t-sync"])
        let replay = await fixture.pipeline.run(fixture.submission("echo", id: "t-sync", args: ["a"]))
        #expect(replay.replayed && replay.kind.journalJSON == outcome.kind.journalJSON)
        // The journal goes on: the next outcome is written and synced.
        _ = await fixture.pipeline.run(fixture.submission("echo", id: "t-next", args: ["b"]))
        #expect(await fixture.pipeline.idempotency.journalSyncs == 2)
        #expect(try fixture.journalIDs() == ["t-sync", "t-next"])
        try await fixture.close()
        #expect(fixture.runs(of: "t-sync") == 1)
    }

    @Test("a journal write failure: the task is answered, nothing synced for it, replayed from memory")
    func journalWriteFailure() async throws {
        let faults = AuditFaultInjector()
        let fixture = try await PipelineFixture.make(journalFaults: faults)
        defer { fixture.cleanup() }
        faults.failWrites(1, errno: ENOSPC)
        let outcome = await fixture.pipeline.run(fixture.submission("echo", id: "t-write", args: ["a"]))
        guard case .succeeded = outcome.kind else { Issue.record("got \(outcome)"); return }
        #expect(await fixture.pipeline.idempotency.journalSyncs == 0)
        #expect(try fixture.journalIDs().isEmpty)
        let replay = await fixture.pipeline.run(fixture.submission("echo", id: "t-write", args: ["a"]))
        #expect(replay.replayed)
        try await fixture.close()
        #expect(fixture.runs(of: "t-write") == 1)
    }

    @Test("a blocked task whose audit group fails writes no journal line and releases its id")
    func auditSyncFailureBlocked() async throws {
        let faults = AuditFaultInjector()
        let fixture = try await PipelineFixture.make(auditFaults: faults)
        defer { fixture.cleanup() }
        faults.failSyncs(1, errno: EIO)
        let outcome = await fixture.pipeline.run(fixture.submission("echo", id: "t-drop", args: ["x; DROP TABLE invoices; --"]))
        #expect(outcome.kind == .rejected(.auditUnavailable))
        #expect(try fixture.journalIDs().isEmpty, "a journal line was written for a group that never became durable")
        #expect(await fixture.pipeline.idempotency.journalSyncs == 0)
        #expect(try fixture.records(of: "t-drop").isEmpty)
        try await fixture.close()
    }

    @Test("a terminal record whose fdatasync fails: no line for that group, one line once the retry is durable")
    func auditSyncFailureTerminal() async throws {
        let faults = AuditFaultInjector()
        // No periodic sync of the detached task.started: the injected failure hits the terminal group.
        let options = AuditLogOptions(checkpointInterval: .seconds(3600), fsyncInterval: .seconds(3600))
        let fixture = try await PipelineFixture.make(auditOptions: options, auditFaults: faults)
        defer { fixture.cleanup() }
        let submission = fixture.submission("sleep", id: "t-late", kwargs: [.init("seconds", 0.3)])
        let running = Task { await fixture.pipeline.run(submission) }
        // The bee writes the runs file when it starts: received and approved are durable by then.
        let deadline = ContinuousClock.now + .seconds(30)
        while fixture.runs(of: "t-late") == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(fixture.runs(of: "t-late") == 1)
        faults.failSyncs(1, errno: EIO)
        let outcome = await running.value
        guard case .succeeded = outcome.kind else { Issue.record("got \(outcome)"); return }
        #expect(await fixture.audit.statistics.writeErrors == 1, "the terminal group did not fail once")
        #expect(try fixture.journalIDs() == ["t-late"])
        #expect(await fixture.pipeline.idempotency.journalSyncs == 1)
        try await fixture.close()
        let types = try fixture.records(of: "t-late").compactMap { $0["type"]?.stringValue }
        #expect(types == ["task.received", "task.approved", "task.started", "task.succeeded"])
    }

    @Test("concurrent blocked tasks: at most one journal fdatasync per audit group commit, all replay after a restart")
    func concurrentGroups() async throws {
        let first = try await PipelineFixture.make()
        defer { first.cleanup() }
        // Blocked tasks: each has one durable wait, the group holding received + blocked and its line.
        let count = 200
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    _ = await first.pipeline.run(first.submission("echo", id: "c-\(index)", args: [.string("x\(index); DROP TABLE t; --")]))
                }
            }
        }
        let syncs = await first.pipeline.idempotency.journalSyncs
        let auditSyncs = await first.audit.statistics.fsyncs
        // Every audit group here carried journal lines (no bee, no detached record, no checkpoint),
        // and groups whose lines were written while a journal fdatasync ran share the next one.
        #expect(UInt64(syncs) <= auditSyncs, "\(syncs) journal fdatasyncs for \(auditSyncs) audit group commits")
        #expect(syncs >= 1 && syncs < count, "\(syncs) journal fdatasyncs for \(count) tasks: no grouping")
        let ids = try first.journalIDs()
        #expect(ids.count == count && Set(ids) == Set((0..<count).map { "c-\($0)" }))
        try await first.close()

        let second = try await PipelineFixture.make(directory: first.directory)
        for index in 0..<count {
            #expect(await second.pipeline.storedOutcome(of: "c-\(index)")?.kind.journalJSON?["outcome"] == "blocked", "c-\(index) forgotten")
        }
        try await second.close()
    }

    @Test("interval mode keeps the separate journal commit: the line is written and synced before the answer")
    func intervalMode() async throws {
        let fixture = try await PipelineFixture.make(auditOptions: AuditLogOptions(fsync: .interval, checkpointInterval: .seconds(3600)))
        defer { fixture.cleanup() }
        let outcome = await fixture.pipeline.run(fixture.submission("echo", id: "t-int", args: ["a"]))
        guard case .succeeded = outcome.kind else { Issue.record("got \(outcome)"); return }
        #expect(try fixture.journalIDs() == ["t-int"])
        #expect(await fixture.pipeline.idempotency.journalSyncs == 1)
        try await fixture.close()
    }
}
