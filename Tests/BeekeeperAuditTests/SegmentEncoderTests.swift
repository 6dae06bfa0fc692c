import Foundation
import Testing

@testable import BeekeeperAudit

@Suite("Sealing encoder chosen by shipper.gzip_level")
struct SegmentEncoderTests {
    @Test("gzip_level 1-6 seal with igzip 1-3, 7-9 with zlib at that level")
    func mapping() {
        let choices = (1...9).map { SegmentEncoder.choice(forGzipLevel: $0) }
        #expect(choices == [
            .igzip(level: 1), .igzip(level: 1), .igzip(level: 2), .igzip(level: 2), .igzip(level: 3), .igzip(level: 3),
            .zlib(level: 7), .zlib(level: 8), .zlib(level: 9),
        ])
    }

    @Test("a segment sealed at each encoder is a gzip file the system gzip restores byte for byte", arguments: [1, 3, 6, 9])
    func sealedSegmentRestores(gzipLevel: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let plain = directory.file("audit-1.jsonl")
        var text = ""
        for seq in 1...20_000 {
            text += "{\"seq\":\(seq),\"type\":\"task.succeeded\",\"task_id\":\"t-\(seq * 7_919 % 100_003)\",\"bee\":\"bee-\(seq % 11)\"}\n"
        }
        try TestSupport.write(text, to: plain)

        let result = try SegmentCompressor.compress(plainPath: plain, level: gzipLevel)
        #expect(!FileManager.default.fileExists(atPath: plain))
        #expect(result.inputBytes == Int64(text.utf8.count))
        #expect(result.outputBytes < result.inputBytes / 3)
        let restored = try TestSupport.run("/usr/bin/env", ["gzip", "-dc", result.compressedPath])
        #expect(restored == text)
    }
}
