import Foundation
import Testing
import Zlib

@Suite("Gzip files")
struct GzipFileTests {
    @Test("compressFile streams a 5 MiB file that the system gzip verifies and restores")
    func compressFileRoundTrip() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = compressibleBytes(3 * 1024 * 1024) + randomBytes(2 * 1024 * 1024)
        let source = directory.appendingPathComponent("dump.sql")
        let destination = directory.appendingPathComponent("dump.sql.gz")
        try Data(original).write(to: source)

        let counts = try Gzip.compressFile(at: source.path, to: destination.path)
        #expect(counts.inputBytes == original.count)
        let written = try FileManager.default.attributesOfItem(atPath: destination.path)[.size] as? Int
        #expect(counts.outputBytes == written)
        #expect(counts.outputBytes < original.count)

        let test = try runGzip(["-t", destination.path])
        #expect(test.status == 0, "gzip -t: \(test.standardError)")
        let restored = directory.appendingPathComponent("restored.sql")
        let decompress = try runGzip(["-dc", destination.path], output: restored)
        #expect(decompress.status == 0, "gzip -dc: \(decompress.standardError)")
        #expect(try [UInt8](Data(contentsOf: restored)) == original)
    }

    @Test("compressFile handles an empty file")
    func compressEmptyFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("empty")
        _ = FileManager.default.createFile(atPath: source.path, contents: Data())
        let destination = directory.appendingPathComponent("empty.gz")
        let counts = try Gzip.compressFile(at: source.path, to: destination.path)
        #expect(counts.inputBytes == 0)
        #expect(try runGzip(["-t", destination.path]).status == 0)
    }

    @Test("decompressFile reads a file made by the system gzip, in bounded chunks")
    func decompressSystemGzipFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = compressibleBytes(4 * 1024 * 1024)
        let plain = directory.appendingPathComponent("plain")
        try Data(original).write(to: plain)
        #expect(try runGzip(["-k", plain.path]).status == 0)

        var restored: [UInt8] = []
        var largestChunk = 0
        try Gzip.decompressFile(at: plain.path + ".gz") { chunk in
            largestChunk = max(largestChunk, chunk.count)
            restored += chunk
        }
        #expect(restored == original)
        #expect(largestChunk <= 64 * 1024)
    }

    @Test("decompressFile reports a truncated file")
    func decompressTruncatedFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let compressed = try Gzip.compress(randomBytes(300_000))
        let file = directory.appendingPathComponent("cut.gz")
        try Data(compressed.dropLast(100)).write(to: file)
        #expect(throws: ZlibError.truncated) { try Gzip.decompressFile(at: file.path) { _ in } }
    }

    @Test("decompressFile reports corruption and passes on the body's own errors")
    func decompressErrors() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var compressed = try Gzip.compress(compressibleBytes(100_000))
        let good = directory.appendingPathComponent("good.gz")
        try Data(compressed).write(to: good)
        compressed[compressed.count - 3] ^= 0x01  // the length field of the trailer
        let bad = directory.appendingPathComponent("bad.gz")
        try Data(compressed).write(to: bad)

        #expect(throws: ZlibError.dataError("incorrect length check")) { try Gzip.decompressFile(at: bad.path) { _ in } }
        struct Stop: Error {}
        #expect(throws: Stop.self) { try Gzip.decompressFile(at: good.path) { _ in throw Stop() } }
    }

    @Test("missing files give an I/O error naming the path")
    func missingFiles() throws {
        do {
            _ = try Gzip.compressFile(at: "/nonexistent/in", to: "/tmp/never-written.gz")
            Issue.record("a missing source was accepted")
        } catch {
            #expect(error.code == .io)
            #expect(error.message.contains("/nonexistent/in"))
        }
        do {
            try Gzip.decompressFile(at: "/nonexistent/in.gz") { _ in }
            Issue.record("a missing file was accepted")
        } catch let error as ZlibError {
            #expect(error.code == .io)
        }
    }
}
