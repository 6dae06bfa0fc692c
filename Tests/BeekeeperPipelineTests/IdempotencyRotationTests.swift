import BeekeeperCore
import Foundation
import Synchronization
import Testing

@testable import BeekeeperAudit
@testable import BeekeeperPipeline

/// The journal in two files: rotated once its current file holds a retention's worth, so a
/// sidecar that runs for months keeps at most two retentions of lines on disk.
@Suite("Idempotency journal rotation: at most two retentions on disk", .serialized)
struct IdempotencyRotationTests {
    /// The time a test sets, in seconds since 1970.
    final class Time: Sendable {
        private let value: Mutex<Double>
        init(_ value: Double) { self.value = Mutex(value) }
        func set(_ seconds: Double) { value.withLock { $0 = seconds } }
        var now: Double { value.withLock { $0 } }
    }

    /// A store on `path` whose clock the test moves; retention 100 s.
    static func store(_ path: String, now: Time, faults: AuditFaultInjector? = nil) -> IdempotencyStore {
        IdempotencyStore(
            journalPath: path, retention: .seconds(100), logger: PipelineFixture.logger, faults: faults,
            clock: { now.now })
    }

    static func finish(_ store: IdempotencyStore, _ ids: [String]) async {
        for id in ids {
            #expect(await store.claim(id, payloadSHA256: "d") == .claimed, "\(id)")
            await store.finish(id, outcome: .blocked(reason: id))
        }
    }

    static func ids(in path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONValue.parse(Array($0.utf8))["id"]?.stringValue }
    }

    @Test("the current file becomes the previous one a retention after it started; its ids replay from there until they expire")
    func rotationKeepsTwoRetentions() async throws {
        let directory = try IdempotencyJournalCompactionTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/idempotency.jsonl"
        let previous = path + ".previous"
        let t0 = Date().timeIntervalSince1970
        let now = Time(t0)
        let store = Self.store(path, now: now)
        await Self.finish(store, ["a-0", "a-1"])
        now.set(t0 + 60)
        await Self.finish(store, ["b-0", "b-1"])
        #expect(!FileManager.default.fileExists(atPath: previous))

        now.set(t0 + 100)
        // The first claim a retention after the start rotates: a-* have expired, b-* replay from
        // the previous file.
        #expect(await store.claim("a-0", payloadSHA256: "d") == .claimed)
        await store.release("a-0")
        #expect(Self.ids(in: previous) == ["a-0", "a-1", "b-0", "b-1"])
        #expect(Self.ids(in: path) == [])
        for id in ["b-0", "b-1"] {
            #expect(await store.claim(id, payloadSHA256: "d") == IdempotencyStore.Claim.finished(.blocked(reason: id)), "\(id)")
        }
        await Self.finish(store, ["c-0"])
        #expect(Self.ids(in: path) == ["c-0"])

        // A restart between two rotations reads both files.
        now.set(t0 + 150)
        let reopened = Self.store(path, now: now)
        #expect(reopened.rememberedIDs == 3)
        for id in ["b-0", "b-1", "c-0"] {
            #expect(await reopened.claim(id, payloadSHA256: "d") == IdempotencyStore.Claim.finished(.blocked(reason: id)), "\(id)")
        }
        #expect(await reopened.finished("a-1") == nil)

        // The next rotation replaces the previous file, whose ids have all expired.
        now.set(t0 + 200)
        await Self.finish(reopened, ["d-0"])
        #expect(Self.ids(in: previous) == ["c-0"])
        #expect(Self.ids(in: path) == ["d-0"])
        #expect(await reopened.finished("d-0") == .blocked(reason: "d-0"))
        #expect(await reopened.finished("b-0") == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["idempotency.jsonl", "idempotency.jsonl.previous"])
        // The gauge counts both files.
        let sizes = try [path, previous].map { try IdempotencyJournalCompactionTests.size($0) }
        #expect(reopened.journalBytes == Int64(sizes.reduce(0, +)) && sizes.allSatisfy { $0 > 0 })
    }

    @Test("a rotation that cannot sync is tried again a minute later; the journal goes on in its file meanwhile")
    func failedRotationIsRetried() async throws {
        let directory = try IdempotencyJournalCompactionTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/idempotency.jsonl"
        let t0 = Date().timeIntervalSince1970
        let now = Time(t0)
        let faults = AuditFaultInjector()
        let store = Self.store(path, now: now, faults: faults)
        await Self.finish(store, ["a-0"])
        now.set(t0 + 50)
        await Self.finish(store, ["b-0"])
        now.set(t0 + 100)
        faults.failSyncs(1, errno: EIO)
        await Self.finish(store, ["c-0"])
        #expect(!FileManager.default.fileExists(atPath: path + ".previous"))
        #expect(Self.ids(in: path) == ["a-0", "b-0", "c-0"])
        now.set(t0 + 159)
        #expect(await store.finished("c-0") == .blocked(reason: "c-0"))
        #expect(await store.claim("e-0", payloadSHA256: "d") == .claimed)
        #expect(!FileManager.default.fileExists(atPath: path + ".previous"))
        now.set(t0 + 160)
        await store.release("e-0")
        #expect(await store.claim("e-0", payloadSHA256: "d") == .claimed)
        #expect(Self.ids(in: path + ".previous") == ["a-0", "b-0", "c-0"])
        #expect(await store.finished("c-0") == .blocked(reason: "c-0"))
    }

    @Test("a start after a crash mid-rotation (only the previous file) replays it; a previous file of expired ids is deleted")
    func startWithThePreviousFileOnly() async throws {
        let directory = try IdempotencyJournalCompactionTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/idempotency.jsonl"
        let now = Date().timeIntervalSince1970
        let line = { (id: String, at: Double) in #"{"id":"\#(id)","at":\#(at),"outcome":{"outcome":"blocked","reason":"\#(id)"},"payload_sha256":"d"}"# + "\n" }
        try (line("p-0", now - 10) + line("p-1", now - 5)).write(toFile: path + ".previous", atomically: true, encoding: .utf8)
        let store = IdempotencyStore(journalPath: path, logger: PipelineFixture.logger)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(await store.finished("p-1") == .blocked(reason: "p-1"))
        #expect(await store.claim("p-0", payloadSHA256: "d") == .finished(.blocked(reason: "p-0")))

        try line("old", now - 90_000).write(toFile: path + ".previous", atomically: true, encoding: .utf8)
        let next = IdempotencyStore(journalPath: path, logger: PipelineFixture.logger)
        #expect(!FileManager.default.fileExists(atPath: path + ".previous"))
        #expect(await next.finished("old") == nil)
    }

    @Test("task-path lines (written on the audit group commit) land in the new file after a rotation and replay from both files")
    func taskPathAcrossARotation() async throws {
        // The store's clock runs a retention minus a little behind, then a little ahead: a
        // rotation between the two tasks, with the first task's line still within its 24 h.
        let offset = Time(-86_000)
        let fixture = try await PipelineFixture.make(idempotencyClock: { Date().timeIntervalSince1970 + offset.now })
        defer { fixture.cleanup() }
        let first = await fixture.pipeline.run(fixture.submission("echo", id: "before", args: ["a"]))
        offset.set(400)
        let second = await fixture.pipeline.run(fixture.submission("echo", id: "after", args: ["b"]))
        #expect(Self.ids(in: fixture.journalFile + ".previous") == ["before"])
        #expect(Self.ids(in: fixture.journalFile) == ["after"])
        #expect(await fixture.pipeline.idempotency.outcomesInMemory == 0)
        for (id, answer, args) in [("before", first, ["a"]), ("after", second, ["b"])] as [(String, TaskOutcome, JSONValue)] {
            let replay = await fixture.pipeline.run(fixture.submission("echo", id: id, args: args))
            #expect(replay.replayed && replay.kind.journalJSON == answer.kind.journalJSON, "\(id)")
        }
        try await fixture.close()
        #expect(fixture.runs(of: "before") == 1 && fixture.runs(of: "after") == 1)
    }
}
