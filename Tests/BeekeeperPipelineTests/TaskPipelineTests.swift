import BeekeeperAudit
import BeekeeperCore
@testable import BeekeeperPipeline
import Foundation
import Testing

/// The pipeline in process: real audit log, real Guardian, a real process bee; no HTTP, no binary.
@Suite("TaskPipeline.run", .serialized)
struct TaskPipelineTests {
    @Test("a task succeeds: the bee runs once and the outcome follows durable records")
    func succeeds() async throws {
        let fixture = try await PipelineFixture.make()
        defer { fixture.cleanup() }
        let outcome = await fixture.pipeline.run(fixture.submission("echo", id: "t-1", args: ["invoice", 42]))
        try await fixture.close()

        guard case .succeeded(let result, let attempts, _) = outcome.kind else { Issue.record("got \(outcome)"); return }
        #expect(outcome.taskID == "t-1" && !outcome.replayed && attempts == 1)
        #expect(result["args"] == ["invoice", 42])
        #expect(fixture.runs(of: "t-1") == 1)
        let types = try fixture.records(of: "t-1").compactMap { $0["type"]?.stringValue }
        #expect(types == ["task.received", "task.approved", "task.started", "task.succeeded"])
        let received = try #require(try fixture.records(of: "t-1").first)
        #expect(received["actor"] == "tester")
        #expect(received["payload_sha256"]?.stringValue?.count == 64)
    }

    @Test("a Guardian block never reaches the bee")
    func blocked() async throws {
        let fixture = try await PipelineFixture.make()
        defer { fixture.cleanup() }
        let outcome = await fixture.pipeline.run(fixture.submission("echo", id: "t-drop", args: ["x; DROP TABLE invoices; --"]))
        let unknown = await fixture.pipeline.run(fixture.submission("transfer_all", id: "t-unknown"))
        try await fixture.close()

        guard case .blocked(let reason) = outcome.kind else { Issue.record("got \(outcome)"); return }
        #expect(reason.hasPrefix("pattern:"))
        #expect(unknown.kind == .blocked(reason: "unknown_funcname"))
        #expect(fixture.runs(of: "t-drop") == 0)
        let types = try fixture.records(of: "t-drop").compactMap { $0["type"]?.stringValue }
        #expect(types == ["task.received", "task.blocked"])
    }

    @Test("a duplicate key from any source is blocked, so the bee never gets a member the checks did not judge")
    func duplicateKeys() async throws {
        let fixture = try await PipelineFixture.make()
        defer { fixture.cleanup() }
        let twice: JSONValue = .object([.init("tier", "platinum"), .init("tier", "gold")])
        let outcome = await fixture.pipeline.run(fixture.submission("echo", id: "t-dup", args: [["metadata": twice]]))
        try await fixture.close()

        #expect(outcome.kind == .blocked(reason: "duplicate_key"))
        #expect(fixture.runs(of: "t-dup") == 0)
        let types = try fixture.records(of: "t-dup").compactMap { $0["type"]?.stringValue }
        #expect(types == ["task.received", "task.blocked"])
    }

    @Test("a failing bee's error and a timeout come back as outcomes")
    func failureAndTimeout() async throws {
        let fixture = try await PipelineFixture.make()
        defer { fixture.cleanup() }
        let failed = await fixture.pipeline.run(fixture.submission("fail", id: "t-fail"))
        // The submission's own timeout overrides the bee's 10 s.
        let slow = await fixture.pipeline.run(fixture.submission("sleep", id: "t-slow", kwargs: [.init("seconds", 30)], timeout: .seconds(2)))
        try await fixture.close()

        guard case .failed(let error, _, _) = failed.kind else { Issue.record("got \(failed)"); return }
        #expect(error.contains("the ledger is closed"))
        guard case .timedOut(_, let duration) = slow.kind else { Issue.record("got \(slow)"); return }
        #expect(duration < .seconds(25))
        #expect(try fixture.records(of: "t-slow").last?["type"] == "task.timed_out")
    }

    @Test("a repeated id is replayed from the stored outcome, and the bee does not run again")
    func replay() async throws {
        let fixture = try await PipelineFixture.make()
        defer { fixture.cleanup() }
        let first = await fixture.pipeline.run(fixture.submission("echo", id: "t-twice", args: [1]))
        let second = await fixture.pipeline.run(fixture.submission("echo", id: "t-twice", args: [1]))
        // Another payload under the same id is refused, not answered with this outcome.
        let reused = await fixture.pipeline.run(fixture.submission("echo", id: "t-twice", args: [2]))
        try await fixture.close()

        #expect(!first.replayed && second.replayed)
        // As the client sees it: the replay is read back from the journal line, whose duration is
        // in milliseconds, as every answer's is.
        #expect(second.kind.journalJSON == first.kind.journalJSON)
        guard case .idReused = reused.kind else { Issue.record("expected idReused, got \(reused.kind)"); return }
        #expect(fixture.runs(of: "t-twice") == 1)
        #expect(try fixture.records(of: "t-twice").last?["type"] == "task.duplicate")
    }

    @Test("an id still running answers inProgress and is not run twice")
    func inProgress() async throws {
        let fixture = try await PipelineFixture.make()
        defer { fixture.cleanup() }
        async let slow = fixture.pipeline.run(fixture.submission("sleep", id: "t-busy", kwargs: [.init("seconds", 1.5)]))
        try await Task.sleep(for: .milliseconds(500))
        let duplicate = await fixture.pipeline.run(fixture.submission("sleep", id: "t-busy", kwargs: [.init("seconds", 1.5)]))
        let original = await slow
        try await fixture.close()

        #expect(duplicate.kind == .inProgress)
        guard case .succeeded = original.kind else { Issue.record("got \(original)"); return }
        #expect(fixture.runs(of: "t-busy") == 1)
    }

    @Test("stored outcomes survive a restart: a new pipeline over the same journal replays")
    func replayAfterRestart() async throws {
        let first = try await PipelineFixture.make()
        defer { first.cleanup() }
        let outcome = await first.pipeline.run(first.submission("fail", id: "t-restart"))
        try await first.close()

        let second = try await PipelineFixture.make(directory: first.directory)
        let stored = await second.pipeline.storedOutcome(of: "t-restart")
        let replay = await second.pipeline.run(second.submission("fail", id: "t-restart"))
        try await second.close()

        // The journal keeps durations to the microsecond, as audit records do.
        #expect(stored?.kind.journalJSON == outcome.kind.journalJSON)
        #expect(replay.replayed && replay.kind.journalJSON == outcome.kind.journalJSON)
        #expect(first.runs(of: "t-restart") == 1)
    }

    @Test("a journal line of the previous release (HTTP status and body) still replays")
    func legacyJournal() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/beekeeper-pipeline-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let now = Date().timeIntervalSince1970
        let legacy = #"{"id":"old-1","at":\#(now),"status":200,"body":{"task_id":"old-1","outcome":"succeeded","result":{"ok":true},"duration_ms":12.5}}"#
        try (legacy + "\n").write(toFile: directory + "/idempotency.jsonl", atomically: true, encoding: .utf8)
        let fixture = try await PipelineFixture.make(directory: directory)
        defer { fixture.cleanup() }
        let stored = await fixture.pipeline.storedOutcome(of: "old-1")
        try await fixture.close()
        guard case .succeeded(let result, _, let duration)? = stored?.kind else { Issue.record("got \(String(describing: stored))"); return }
        #expect(result == ["ok": true])
        #expect(duration == .microseconds(12_500))
    }

    @Test("a deadline caps the attempt and stops retries that could not finish in time")
    func deadline() async throws {
        let fixture = try await PipelineFixture.make(timeout: .seconds(30), retries: 5)
        defer { fixture.cleanup() }
        let start = ContinuousClock.now
        let capped = await fixture.pipeline.run(
            fixture.submission("sleep", id: "t-capped", kwargs: [.init("seconds", 10)], deadline: start + .seconds(1)))
        let cappedTook = ContinuousClock.now - start
        let retryStart = ContinuousClock.now
        let flaky = await fixture.pipeline.run(fixture.submission("flaky", id: "t-flaky", deadline: retryStart + .milliseconds(900)))
        try await fixture.close()

        guard case .timedOut = capped.kind else { Issue.record("got \(capped)"); return }
        #expect(cappedTook < .seconds(20), "the 30 s bee timeout was not capped by the deadline")
        // Either the last retry was refused (failed) or the deadline cut the attempt it allowed (timed out).
        let attempts: Int
        switch flaky.kind {
        case .failed(_, let count, _), .timedOut(let count, _): attempts = count
        default: Issue.record("got \(flaky)"); return
        }
        #expect(attempts < 6, "retries went on past the deadline")
        #expect(ContinuousClock.now - retryStart < .seconds(15))
    }

    @Test("source fields ride on every task record")
    func sourceFields() async throws {
        let fixture = try await PipelineFixture.make()
        defer { fixture.cleanup() }
        _ = await fixture.pipeline.run(fixture.submission("echo", id: "p-1", sourceFields: [.init("colony", "dev")]))
        try await fixture.close()
        let records = try fixture.records(of: "p-1")
        #expect(records.count == 4)
        #expect(records.allSatisfy { $0["colony"] == "dev" })
    }

    @Test("a task waits for two fdatasyncs of the audit log, approval and outcome; task.started rides along")
    func twoDurableWaits() async throws {
        let fixture = try await PipelineFixture.make()
        defer { fixture.cleanup() }
        _ = await fixture.pipeline.run(fixture.submission("echo", id: "warm-up"))
        let before = await fixture.audit.statistics.fsyncs
        let tasks = 20
        for index in 0..<tasks {
            let outcome = await fixture.pipeline.run(fixture.submission("echo", id: "sync-\(index)"))
            guard case .succeeded = outcome.kind else { Issue.record("got \(outcome)"); return }
        }
        let syncs = await fixture.audit.statistics.fsyncs - before
        try await fixture.close()
        // Three per task before task.started rode along (60 here); a tick adds one only after a
        // second without any.
        #expect(syncs >= UInt64(2 * tasks) && syncs <= UInt64(2 * tasks + 2), "\(syncs) fdatasyncs for \(tasks) tasks")
        // Every task still has its start, between approval and outcome.
        for index in 0..<tasks {
            let types = try fixture.records(of: "sync-\(index)").compactMap { $0["type"]?.stringValue }
            #expect(types == ["task.received", "task.approved", "task.started", "task.succeeded"])
        }
    }
}
