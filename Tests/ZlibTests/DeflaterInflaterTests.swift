import Testing
import Zlib

@Suite("Deflater and Inflater")
struct DeflaterInflaterTests {
    static let formats: [ZlibFormat] = [.gzip, .zlib, .raw]

    /// Compresses in uneven pieces and decompresses in different uneven pieces, so chunk
    /// boundaries never line up with zlib's internal blocks.
    func streamingRoundTrip(_ input: [UInt8], format: ZlibFormat, level: Int = 6) throws -> [UInt8] {
        let deflater = try Deflater(format: format, level: level)
        var compressed: [UInt8] = []
        var offset = 0
        var piece = 1
        while offset < input.count {
            let end = min(input.count, offset + piece)
            compressed += try deflater.compress(input[offset..<end])
            offset = end
            piece = piece * 3 + 7
        }
        compressed += try deflater.finish()

        let inflater = try Inflater(format: format)
        var output: [UInt8] = []
        offset = 0
        while offset < compressed.count {
            let end = min(compressed.count, offset + 50_000)
            output += try inflater.decompress(compressed[offset..<end])
            offset = end
        }
        try inflater.finish()
        return output
    }

    @Test("empty input round-trips", arguments: formats)
    func emptyRoundTrip(format: ZlibFormat) throws {
        #expect(try self.streamingRoundTrip([], format: format) == [])
    }

    @Test("small input round-trips", arguments: formats)
    func smallRoundTrip(format: ZlibFormat) throws {
        let input = Array("hello, bees 🐝".utf8)
        #expect(try self.streamingRoundTrip(input, format: format) == input)
    }

    @Test("5 MiB of random bytes round-trip", arguments: formats)
    func randomRoundTrip(format: ZlibFormat) throws {
        let input = randomBytes(5 * 1024 * 1024)
        #expect(try self.streamingRoundTrip(input, format: format) == input)
    }

    @Test("5 MiB of compressible bytes round-trip and shrink", arguments: [0, 1, 6, 9])
    func compressibleRoundTrip(level: Int) throws {
        let input = compressibleBytes(5 * 1024 * 1024)
        #expect(try self.streamingRoundTrip(input, format: .gzip, level: level) == input)
        if level > 0 {
            #expect(try Gzip.compress(input, level: level).count < input.count / 10)
        }
    }

    @Test("non-contiguous collections are accepted")
    func nonContiguousInput() throws {
        let input = Array("abcabcabc".utf8)
        let compressed = try Gzip.compress(input.lazy.map { $0 })
        #expect(try Gzip.decompress(compressed.lazy.map { $0 }) == input)
    }

    @Test("a deflater refuses use after finish, and bad levels")
    func deflaterMisuse() throws {
        let deflater = try Deflater()
        _ = try deflater.finish()
        #expect(throws: ZlibError.self) { _ = try deflater.compress([1, 2, 3]) }
        #expect(throws: ZlibError.self) { _ = try deflater.finish() }
        do {
            _ = try Deflater(level: 12)
            Issue.record("level 12 was accepted")
        } catch {
            #expect(error.code == .streamError)
        }
    }

    @Test("an inflater stops at the first error and stays failed")
    func inflaterFailsOnce() throws {
        let inflater = try Inflater(format: .gzip)
        do {
            _ = try inflater.decompress(Array("this is not gzip data".utf8))
            Issue.record("garbage was accepted")
        } catch {
            #expect(error == .dataError("incorrect header check"))
        }
        #expect(throws: ZlibError.self) { _ = try inflater.decompress(try Gzip.compress([1])) }
    }

    @Test("zlib and raw streams reject bytes after their end", arguments: [ZlibFormat.zlib, .raw])
    func trailingData(format: ZlibFormat) throws {
        let deflater = try Deflater(format: format)
        let compressed = try deflater.compress([1, 2, 3]) + deflater.finish()
        let inflater = try Inflater(format: format)
        do {
            _ = try inflater.decompress(compressed + [0x42])
            Issue.record("trailing data was accepted")
        } catch {
            #expect(error.code == .dataError)
        }
    }

    @Test("finish reports a stream that stopped early", arguments: formats)
    func truncatedStream(format: ZlibFormat) throws {
        let deflater = try Deflater(format: format)
        let compressed = try deflater.compress(randomBytes(10_000)) + deflater.finish()
        let inflater = try Inflater(format: format)
        _ = try inflater.decompress(compressed.dropLast(3))
        #expect(throws: ZlibError.truncated) { try inflater.finish() }
    }

    @Test("gzip members split across calls decompress as one stream")
    func membersAcrossCalls() throws {
        let first = try Gzip.compress(Array("first ".utf8))
        let second = try Gzip.compress(Array("second".utf8))
        let inflater = try Inflater(format: .gzip)
        var output = try inflater.decompress(first)
        output += try inflater.decompress(second.prefix(5))
        output += try inflater.decompress(second.dropFirst(5))
        try inflater.finish()
        #expect(output == Array("first second".utf8))
    }
}
