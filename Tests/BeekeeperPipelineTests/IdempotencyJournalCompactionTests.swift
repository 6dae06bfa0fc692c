import BeekeeperCore
@testable import BeekeeperPipeline
import Foundation
import Testing

/// The journal is not rewritten at start (issue 14: rewriting a whole journal made every restart
/// pay for a day of outcomes; rotation drops expired lines now): a torn last line is cut off.
@Suite("IdempotencyStore journal compaction")
struct IdempotencyJournalCompactionTests {
    static func inode(_ path: String) throws -> UInt64 {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64)
    }

    static func size(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }

    static func directory() throws -> String {
        let directory = NSTemporaryDirectory() + "beekeeper-idem-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A journal in a new directory holding one finished outcome, "a"; the caller removes the directory.
    static func journalWithOneOutcome() async throws -> (directory: String, journal: String) {
        let directory = try Self.directory()
        let journal = directory + "/idempotency.jsonl"
        let first = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        _ = await first.claim("a", payloadSHA256: "sha-a")
        await first.finish("a", outcome: .blocked(reason: "ra"))
        return (directory, journal)
    }

    @Test("a journal with nothing to leave out is kept as it is, and appended to")
    func wholeJournalIsNotRewritten() async throws {
        let (directory, journal) = try await Self.journalWithOneOutcome()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let inode = try Self.inode(journal)
        let size = try Self.size(journal)

        let second = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        #expect(try Self.inode(journal) == inode, "the journal was rewritten though every line was kept")
        #expect(await second.finished("a") == .blocked(reason: "ra"))
        _ = await second.claim("b", payloadSHA256: "sha-b")
        await second.finish("b", outcome: .blocked(reason: "rb"))
        #expect(try Self.size(journal) > size, "not appended")

        let third = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        #expect(await third.finished("a") == .blocked(reason: "ra"))
        #expect(await third.finished("b") == .blocked(reason: "rb"))
    }

    @Test("a torn last line is cut at start, so the next outcome is not glued onto it")
    func tornLastLineIsCut() async throws {
        let (directory, journal) = try await Self.journalWithOneOutcome()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let whole = try Self.size(journal)
        // A power cut kept part of a later line (lazyfs --torn does this to the journal).
        let handle = try #require(FileHandle(forWritingAtPath: journal))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"id":"torn","at":1"#.utf8))
        try handle.close()
        let inode = try Self.inode(journal)

        let second = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        #expect(try Self.size(journal) == whole, "the torn line was not cut")
        #expect(try Self.inode(journal) == inode, "the journal was rewritten")
        #expect(await second.finished("torn") == nil)
        _ = await second.claim("b", payloadSHA256: "sha-b")
        await second.finish("b", outcome: .blocked(reason: "rb"))

        let third = IdempotencyStore(journalPath: journal, logger: PipelineFixture.logger)
        #expect(await third.finished("a") == .blocked(reason: "ra"))
        #expect(await third.finished("b") == .blocked(reason: "rb"), "the outcome written after the torn line was lost")
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(!text.contains("torn"), "\(text)")
    }
}
