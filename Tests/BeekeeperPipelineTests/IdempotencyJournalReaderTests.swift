import Foundation
import Testing

@testable import BeekeeperPipeline

/// The start's chunked journal reader: every whole line once, at its offset, whatever the chunk.
@Suite("Idempotency journal reader")
struct IdempotencyJournalReaderTests {
    @Test("lines across chunk boundaries, longer than a chunk, empty ones and a torn tail", arguments: [1, 2, 7, 64, 1 << 20])
    func linesAtTheirOffsets(chunk: Int) throws {
        let directory = try IdempotencyJournalCompactionTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/j"
        let lines = ["a", "", "bc", String(repeating: "x", count: 300), "", "", "d e f", "{\"id\":\"é\"}"]
        let torn = "{\"id\":\"torn"
        let text = lines.map { $0 + "\n" }.joined() + torn
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var seen: [(String, Int64)] = []
        let summary = IdempotencyJournalReader.forEachLine(of: path, chunk: chunk) { line, offset in
            seen.append((String(decoding: line, as: UTF8.self), offset))
        }
        var expected: [(String, Int64)] = []
        var offset: Int64 = 0
        for line in lines {
            if !line.isEmpty { expected.append((line, offset)) }
            offset += Int64(line.utf8.count + 1)
        }
        #expect(seen.map(\.0) == expected.map(\.0))
        #expect(seen.map(\.1) == expected.map(\.1))
        #expect(summary.exists && summary.failure == nil)
        #expect(summary.wholeLinesEnd == offset && summary.size == Int64(text.utf8.count), "chunk \(chunk)")
    }

    @Test("a missing file, an empty one, one without any newline")
    func edges() throws {
        let directory = try IdempotencyJournalCompactionTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = IdempotencyJournalReader.forEachLine(of: directory + "/none") { _, _ in Issue.record("a line") }
        #expect(!missing.exists && missing.failure == nil)
        for (text, end) in [("", Int64(0)), ("no newline", 0), ("x\ny", 2)] {
            try text.write(toFile: directory + "/f", atomically: true, encoding: .utf8)
            let read = IdempotencyJournalReader.forEachLine(of: directory + "/f", chunk: 4) { _, _ in }
            #expect(read.exists && read.wholeLinesEnd == end && read.size == Int64(text.utf8.count), "\(text)")
        }
        // A directory cannot be read as a journal: a failure, not a missing file.
        #expect(IdempotencyJournalReader.forEachLine(of: directory) { _, _ in }.failure != nil)
    }
}
