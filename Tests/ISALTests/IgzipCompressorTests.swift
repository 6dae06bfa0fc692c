import Foundation
import ISAL
import Testing
import Zlib

@Suite("igzip compressor")
struct IgzipCompressorTests {
    @Test("every level round-trips random and text input byte-exactly through zlib", arguments: IgzipCompressor.levels)
    func roundTripThroughZlib(level: Int) throws {
        for input in [seededBytes(300_000, seed: UInt64(level) + 1), auditLines(300_000)] {
            let compressor = try IgzipCompressor(level: level)
            let compressed = try compressor.compress(input) + compressor.finish()
            #expect(try Gzip.decompress(compressed) == input)
        }
    }

    @Test("text compresses, and a higher level is never much larger than level 0")
    func textCompresses() throws {
        let input = auditLines(1 << 20)
        var sizes: [Int] = []
        for level in IgzipCompressor.levels {
            let compressor = try IgzipCompressor(level: level)
            sizes.append(try (compressor.compress(input) + compressor.finish()).count)
        }
        #expect(sizes.allSatisfy { $0 < input.count / 3 }, "sizes \(sizes) of \(input.count) bytes")
        #expect(sizes[3] <= sizes[0], "sizes \(sizes)")
    }

    @Test("empty input gives a valid gzip member that decompresses to nothing")
    func emptyInput() throws {
        let compressor = try IgzipCompressor(level: 1)
        let compressed = try compressor.compress([UInt8]()) + compressor.finish()
        #expect(compressed.starts(with: [0x1F, 0x8B]))
        #expect(try Gzip.decompress(compressed).isEmpty)
        #expect(try gzipTest(compressed) == 0)
    }

    @Test("32 MiB fed in 4,099-byte calls streams out in chunks; gzip -t and zlib agree", arguments: [0, 3])
    func largeInputAcrossManyCalls(level: Int) throws {
        let input = auditLines(24 << 20) + seededBytes(8 << 20, seed: 7)
        let compressor = try IgzipCompressor(level: level)
        var compressed: [UInt8] = []
        var calls = 0
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset + 4_099)
            try compressor.compress(input[offset..<end]) { compressed.append(contentsOf: $0) }
            offset = end
            calls += 1
        }
        try compressor.finish { compressed.append(contentsOf: $0) }
        #expect(calls > 8_000)
        #expect(try gzipTest(compressed) == 0)
        let inflater = try Inflater(format: .gzip)
        var restored: [UInt8] = []
        for start in stride(from: 0, to: compressed.count, by: 1 << 20) {
            restored += try inflater.decompress(compressed[start..<min(compressed.count, start + (1 << 20))])
        }
        try inflater.finish()
        #expect(restored.count == input.count)
        #expect(restored == input)
    }

    @Test("levels outside 0...3 are refused with a typed error")
    func invalidLevel() {
        for level in [-1, 4, 9] {
            #expect(throws: ISALError(code: .invalidLevel, message: "compression level \(level) is outside 0...3")) {
                _ = try IgzipCompressor(level: level)
            }
        }
    }

    @Test("a finished compressor refuses more input and a second finish")
    func finishedIsUnusable() throws {
        let compressor = try IgzipCompressor(level: 2)
        _ = try compressor.compress(Array("hello".utf8))
        let compressed = try compressor.finish()
        #expect(try Gzip.decompress(compressed) == Array("hello".utf8))
        #expect(throws: ISALError.self) { _ = try compressor.compress([1, 2, 3]) }
        #expect(throws: ISALError.self) { _ = try compressor.finish() }
    }
}

/// Deterministic pseudo-random bytes (splitmix64), incompressible, so failures reproduce.
func seededBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count + 8)
    while bytes.count < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        withUnsafeBytes(of: (z ^ (z >> 31)).littleEndian) { bytes.append(contentsOf: $0) }
    }
    return Array(bytes.prefix(count))
}

/// Audit-log-like JSONL of `count` bytes: what sealing compresses.
func auditLines(_ count: Int) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count + 256)
    var seq = 0
    while bytes.count < count {
        seq += 1
        bytes += Array(
            "{\"seq\":\(seq),\"type\":\"task.succeeded\",\"task_id\":\"t-\(seq &* 2_654_435_761 % 1_000_003)\",\"bee\":\"bee-\(seq % 13)\",\"duration_ms\":\(seq % 977)}\n"
                .utf8)
    }
    return Array(bytes.prefix(count))
}

/// `gzip -t` on `compressed` written to a temporary file: the exit status (0 = valid gzip).
func gzipTest(_ compressed: [UInt8]) throws -> Int32 {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("isaltests-\(UUID().uuidString).gz")
    try Data(compressed).write(to: path)
    defer { try? FileManager.default.removeItem(at: path) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-t", path.path]
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}
