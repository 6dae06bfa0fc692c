import Testing
import Zlib

@Suite("Deflater and Inflater handing chunks to a body")
struct StreamingCallbackTests {
    struct Stop: Error {}

    @Test("compress(into:) and finish(into:) write a gzip stream that decompresses to the input")
    func compressInto() throws {
        let input = compressibleBytes(3 << 20) + randomBytes(200_000)
        let deflater = try Deflater(format: .gzip, level: 6)
        var compressed: [UInt8] = []
        var chunks = 0
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset + 65_536)
            try input[offset..<end].withUnsafeBytes { raw in
                try deflater.compress(raw) { chunk in
                    compressed += chunk
                    chunks += 1
                }
            }
            offset = end
        }
        try deflater.finish { compressed += $0 }
        #expect(chunks > 1)
        #expect(compressed.count < input.count / 2)
        #expect(try Gzip.decompress(compressed) == input)
        // Finished: nothing more goes in.
        #expect(throws: ZlibError.self) { try [UInt8](repeating: 1, count: 4).withUnsafeBytes { try deflater.compress($0) { _ in } } }
    }

    @Test("decompress(into:) hands out bounded chunks, however well the input compressed")
    func decompressInto() throws {
        let input = [UInt8](repeating: 0, count: 20 << 20)
        let compressed = try Gzip.compress(input, level: 9)
        #expect(compressed.count < 40_000)
        let inflater = try Inflater(format: .gzip)
        var total = 0
        var largest = 0
        var allZero = true
        try compressed.withUnsafeBytes { raw in
            try inflater.decompress(raw) { chunk in
                total += chunk.count
                largest = max(largest, chunk.count)
                if chunk.contains(where: { $0 != 0 }) { allZero = false }
            }
        }
        try inflater.finish()
        #expect(total == input.count)
        #expect(largest <= 64 * 1024)
        #expect(allZero)
    }

    @Test("an error thrown by the body stops the stream and reaches the caller")
    func bodyErrors() throws {
        let compressed = try Gzip.compress(compressibleBytes(1 << 20))
        let inflater = try Inflater(format: .gzip)
        #expect(throws: Stop.self) { try compressed.withUnsafeBytes { try inflater.decompress($0) { _ in throw Stop() } } }
        #expect(throws: ZlibError.self) { try compressed.withUnsafeBytes { try inflater.decompress($0) { _ in } } }

        let deflater = try Deflater(format: .gzip)
        #expect(throws: Stop.self) {
            try randomBytes(1 << 20).withUnsafeBytes { try deflater.compress($0) { _ in throw Stop() } }
        }
        #expect(throws: ZlibError.self) { try deflater.finish { _ in } }
    }
}
