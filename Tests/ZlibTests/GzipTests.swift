import Foundation
import Testing
import Zlib

@Suite("Gzip")
struct GzipTests {
    @Test("empty input makes a valid, decodable gzip stream")
    func emptyStream() throws {
        let compressed = try Gzip.compress([UInt8]())
        #expect(compressed.prefix(2) == [0x1F, 0x8B])
        #expect(try Gzip.decompress(compressed) == [])
    }

    @Test("concatenated members decompress to the concatenated inputs")
    func multiMember() throws {
        let parts = [Array("alpha\n".utf8), randomBytes(100_000), [], compressibleBytes(300_000)]
        var stream: [UInt8] = []
        for part in parts { stream += try Gzip.compress(part) }
        #expect(try Gzip.decompress(stream) == parts.flatMap { $0 })
    }

    @Test("a wrong magic number is a data error: incorrect header check")
    func badHeader() throws {
        var compressed = try Gzip.compress(Array("payload".utf8))
        compressed[0] = 0x00
        #expect(throws: ZlibError.dataError("incorrect header check")) { _ = try Gzip.decompress(compressed) }
    }

    @Test("a flipped CRC is a data error: incorrect data check")
    func badChecksum() throws {
        var compressed = try Gzip.compress(compressibleBytes(10_000))
        compressed[compressed.count - 6] ^= 0xFF  // inside the CRC-32 of the 8-byte trailer
        #expect(throws: ZlibError.dataError("incorrect data check")) { _ = try Gzip.decompress(compressed) }
    }

    @Test("corruption anywhere in the body is detected")
    func corruptedBody() throws {
        let original = compressibleBytes(200_000)
        let compressed = try Gzip.compress(original)
        for position in stride(from: 12, to: compressed.count - 8, by: compressed.count / 16) {
            var corrupted = compressed
            corrupted[position] ^= 0x5A
            do {
                let output = try Gzip.decompress(corrupted)
                Issue.record("corruption at \(position) went unnoticed (\(output.count) bytes)")
            } catch {
                #expect([.dataError, .truncated].contains(error.code), "position \(position): \(error)")
            }
        }
    }

    @Test("truncated input is reported as truncated", arguments: [0, 1, 10, 100, 4000])
    func truncated(keep: Int) throws {
        let compressed = try Gzip.compress(randomBytes(5000))
        #expect(throws: ZlibError.truncated) { _ = try Gzip.decompress(compressed.prefix(keep)) }
    }

    @Test("garbage after a complete member is rejected")
    func trailingGarbage() throws {
        let compressed = try Gzip.compress(Array("payload".utf8))
        do {
            _ = try Gzip.decompress(compressed + Array("junk".utf8))
            Issue.record("trailing garbage was accepted")
        } catch {
            #expect(error.code == .dataError)
        }
    }

    @Test("the system gzip accepts Gzip.compress output")
    func systemGzipAcceptsOutput() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = compressibleBytes(1_000_000) + randomBytes(200_000)
        let file = directory.appendingPathComponent("data.gz")
        try Data(Gzip.compress(original, level: 9)).write(to: file)

        let test = try runGzip(["-t", file.path])
        #expect(test.status == 0, "gzip -t: \(test.standardError)")
        let decoded = directory.appendingPathComponent("data")
        let decompress = try runGzip(["-dc", file.path], output: decoded)
        #expect(decompress.status == 0, "gzip -dc: \(decompress.standardError)")
        #expect(try [UInt8](Data(contentsOf: decoded)) == original)
    }
}
