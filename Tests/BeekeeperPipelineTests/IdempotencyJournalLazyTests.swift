import BeekeeperCore
@testable import BeekeeperPipeline
import Foundation
import Testing

/// A start reads only ids, times and digests from the journal and decodes an outcome when a
/// replay asks for it (issue 14: restarts under 2 s with a day of outcomes).
@Suite("IdempotencyStore lazy journal")
struct IdempotencyJournalLazyTests {
    static func journal(_ lines: [String]) throws -> (directory: String, journal: String) {
        let directory = try IdempotencyJournalCompactionTests.directory()
        let journal = directory + "/idempotency.jsonl"
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: journal))
        return (directory, journal)
    }

    @Test("every kind of outcome written by one store replays the same from the next, digest checked")
    func replaysWhatWasWritten() async throws {
        let directory = try IdempotencyJournalCompactionTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = directory + "/idempotency.jsonl"
        let outcomes: [String: TaskOutcome.Kind] = [
            "s": .succeeded(result: ["rows": [1, 2], "note": "a \"quoted\" } brace"], attempts: 2, duration: .milliseconds(40)),
            "f": .failed(error: "exit 3", attempts: 3, duration: .seconds(2)),
            "t": .timedOut(attempts: 1, duration: .seconds(30)),
            "b": .blocked(reason: "guardian: card number"),
        ]
        let first = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        for (id, outcome) in outcomes {
            #expect(await first.claim(id, payloadSHA256: "sha-\(id)") == .claimed)
            await first.finish(id, outcome: outcome)
        }
        let second = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        for (id, outcome) in outcomes {
            #expect(await second.claim(id, payloadSHA256: "sha-\(id)") == .finished(outcome), "\(id)")
            #expect(await second.claim(id, payloadSHA256: "other") == .reused(originalSHA256: "sha-\(id)"), "\(id)")
        }
        // Decoded once, still the same on the next replay and through `finished`.
        #expect(await second.finished("s") == outcomes["s"])
        #expect(await second.claim("s", payloadSHA256: "sha-s") == .finished(outcomes["s"]!))
    }

    @Test("a line whose outcome does not decode is not replayed: the id runs again")
    func damagedOutcomeIsForgotten() async throws {
        let now = Date().timeIntervalSince1970
        let (directory, journal) = try Self.journal([
            #"{"id":"bad","at":\#(now),"outcome":{"outcome":"exploded"},"payload_sha256":"d"}"#,
            #"{"id":"good","at":\#(now),"outcome":{"outcome":"blocked","reason":"r"},"payload_sha256":"d"}"#,
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        #expect(await store.finished("bad") == nil)
        #expect(await store.claim("bad", payloadSHA256: "d") == .claimed)
        #expect(await store.claim("bad", payloadSHA256: "d") == .running)
        #expect(await store.claim("good", payloadSHA256: "d") == .finished(.blocked(reason: "r")))
    }

    @Test("a line the scan gives up on (an escaped id) is parsed whole and replays")
    func escapedIDFallsBackToTheParser() async throws {
        let now = Date().timeIntervalSince1970
        let (directory, journal) = try Self.journal([
            #"{"id":"we\"ird","at":\#(now),"outcome":{"outcome":"blocked","reason":"r"}}"#
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        #expect(await store.finished("we\"ird") == .blocked(reason: "r"))
    }

    @Test("an expired line is skipped at start without being decoded, and left in the file for the rotation")
    func expiredLinesAreDropped() async throws {
        let old = Date().timeIntervalSince1970 - 90_000
        let now = Date().timeIntervalSince1970
        let (directory, journal) = try Self.journal([
            #"{"id":"old","at":\#(old),"outcome":{"outcome":"blocked","reason":"r"}}"#,
            #"{"id":"new","at":\#(now),"outcome":{"outcome":"blocked","reason":"r"}}"#,
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        #expect(await store.finished("old") == nil)
        #expect(await store.finished("new") == .blocked(reason: "r"))
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(text.contains("\"old\"") && text.contains("\"new\""), "\(text)")
    }
}
