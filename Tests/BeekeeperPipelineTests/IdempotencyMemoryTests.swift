import BeekeeperCore
import Foundation
import Testing

@testable import BeekeeperAudit
@testable import BeekeeperPipeline

/// A finished id keeps where its journal line is, not its outcome: a day of ids must not keep a
/// day of results in memory. Replays read the line back and answer exactly what was journalled.
@Suite("Idempotency store memory: outcomes stay in the journal", .serialized)
struct IdempotencyMemoryTests {
    @Test("task-path outcomes (the line on the audit commit) are held as journal places and replay from them")
    func taskPathOutcomesAreNotHeld() async throws {
        let fixture = try await PipelineFixture.make()
        defer { fixture.cleanup() }
        var first: [String: TaskOutcome] = [:]
        for index in 0..<12 {
            let args: JSONValue = index % 3 == 0 ? ["x; DROP TABLE invoices; --"] : ["a", .number(index)]
            first["t-\(index)"] = await fixture.pipeline.run(fixture.submission("echo", id: "t-\(index)", args: args))
        }
        #expect(await fixture.pipeline.idempotency.outcomesInMemory == 0)
        for index in 0..<12 {
            let args: JSONValue = index % 3 == 0 ? ["x; DROP TABLE invoices; --"] : ["a", .number(index)]
            let replay = await fixture.pipeline.run(fixture.submission("echo", id: "t-\(index)", args: args))
            #expect(replay.replayed, "t-\(index)")
            #expect(replay.kind.journalJSON != nil && replay.kind.journalJSON == first["t-\(index)"]?.kind.journalJSON, "t-\(index)")
        }
        try await fixture.close()
        #expect(fixture.runs(of: "t-1") == 1)
    }

    @Test("finish: the line's place is kept; a failed write keeps the outcome in memory and still replays")
    func finishKeepsThePlaceOrTheOutcome() async throws {
        let directory = try IdempotencyJournalCompactionTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let faults = AuditFaultInjector()
        let store = IdempotencyStore(journalPath: directory + "/idempotency.jsonl", logger: PipelineFixture.logger, faults: faults)
        #expect(await store.claim("kept", payloadSHA256: String(repeating: "ab", count: 32)) == .claimed)
        await store.finish("kept", outcome: .failed(error: "exit 3", attempts: 2, duration: .milliseconds(12)))
        #expect(await store.outcomesInMemory == 0)

        faults.failWrites(1, errno: ENOSPC)
        #expect(await store.claim("held", payloadSHA256: "d") == .claimed)
        await store.finish("held", outcome: .blocked(reason: "r"))
        #expect(await store.outcomesInMemory == 1)

        #expect(await store.claim("kept", payloadSHA256: String(repeating: "ab", count: 32)) == .finished(.failed(error: "exit 3", attempts: 2, duration: .milliseconds(12))))
        #expect(await store.claim("kept", payloadSHA256: "other") == .reused(originalSHA256: String(repeating: "ab", count: 32)))
        #expect(await store.claim("held", payloadSHA256: "d") == .finished(.blocked(reason: "r")))
        // The failed write left no partial line: the next one starts where it should have, and a
        // restart replays it.
        #expect(await store.claim("after", payloadSHA256: "d") == .claimed)
        await store.finish("after", outcome: .blocked(reason: "later"))
        let reopened = IdempotencyStore(journalPath: directory + "/idempotency.jsonl", logger: PipelineFixture.logger)
        #expect(await reopened.finished("after") == .blocked(reason: "later"))
        #expect(await reopened.finished("held") == nil)
    }

    @Test("a start skips expired lines without rewriting the journal; the others are read back from their places")
    func placesFollowCompaction() async throws {
        let now = Date().timeIntervalSince1970
        let old = now - 90_000
        var lines: [String] = []
        for index in 0..<20 {
            // Every other line expired: skipped, left in the file for the rotation to drop.
            let at = index % 2 == 0 ? old : now
            lines.append(#"{"id":"i\#(index)","at":\#(at),"outcome":{"outcome":"blocked","reason":"r\#(index)"},"payload_sha256":"d"}"#)
        }
        let (directory, journal) = try IdempotencyJournalLazyTests.journal(lines)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        #expect(try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").count == 20)
        for index in 0..<20 {
            #expect(await store.finished("i\(index)") == (index % 2 == 0 ? nil : .blocked(reason: "r\(index)")), "i\(index)")
        }
        #expect(await store.outcomesInMemory == 0)
    }

    @Test("a journal changed under the store answers no other id's outcome: the id runs again")
    func foreignLineIsNotReplayed() async throws {
        let now = Date().timeIntervalSince1970
        let (directory, journal) = try IdempotencyJournalLazyTests.journal([
            #"{"id":"aa","at":\#(now),"outcome":{"outcome":"blocked","reason":"mine"},"payload_sha256":"d"}"#
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        // Same length, same place, another id (a restore of another sidecar's state, say).
        let handle = try #require(FileHandle(forWritingAtPath: journal))
        try handle.write(contentsOf: Data(#"{"id":"bb","at":\#(now),"outcome":{"outcome":"blocked","reason":"mine"},"payload_sha256":"d"}"#.utf8))
        try handle.close()
        #expect(await store.claim("aa", payloadSHA256: "d") == .claimed)
    }

    @Test("a replay whose line cannot be read is refused with a retry, never run again, and replays once it can be read")
    func unreadableReplayIsRefused() async throws {
        let faults = AuditFaultInjector()
        let fixture = try await PipelineFixture.make(journalFaults: faults)
        defer { fixture.cleanup() }
        let first = await fixture.pipeline.run(fixture.submission("echo", id: "t-read", args: ["a"]))
        guard case .succeeded = first.kind else { Issue.record("got \(first)"); return }
        faults.failReads(1, errno: EIO)
        let refused = await fixture.pipeline.run(fixture.submission("echo", id: "t-read", args: ["a"]))
        #expect(refused.kind == .rejected(.replayUnavailable))
        let replay = await fixture.pipeline.run(fixture.submission("echo", id: "t-read", args: ["a"]))
        #expect(replay.replayed && replay.kind.journalJSON == first.kind.journalJSON)
        try await fixture.close()
        #expect(fixture.runs(of: "t-read") == 1)
        let states = try fixture.records(of: "t-read").filter { $0["type"] == "task.duplicate" }.compactMap { $0["state"]?.stringValue }
        #expect(states == ["unreadable", "finished"])
    }
}
