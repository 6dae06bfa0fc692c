import BeekeeperCore
import Testing

/// The fast parser against the byte-at-a-time one it replaced (`ReferenceJSON`): on valid
/// documents and on every kind of damage, the same value or the same error at the same offset.
@Suite struct JSONParserDifferentialTests {
    /// Both parsers' verdicts on `bytes`, which must be equal.
    static func expectSameVerdict(_ bytes: [UInt8], maxDepth: Int = 512, sourceLocation: SourceLocation = #_sourceLocation) {
        let fast = Result { () throws(JSONParseError) in try JSONValue.parse(bytes, maxDepth: maxDepth) }
        let reference = Result { () throws(JSONParseError) in try ReferenceJSON.parse(bytes, maxDepth: maxDepth) }
        #expect(fast == reference, "input \(bytes.count) B: \(String(decoding: bytes.prefix(200), as: UTF8.self).debugDescription)", sourceLocation: sourceLocation)
        // The other entry points agree with the collection one.
        let raw = bytes.withUnsafeBytes { buffer in Result { () throws(JSONParseError) in try JSONValue.parse(buffer, maxDepth: maxDepth) } }
        #expect(raw == fast, sourceLocation: sourceLocation)
        let slice = Result { () throws(JSONParseError) in try JSONValue.parse(bytes[...], maxDepth: maxDepth) }
        #expect(slice == fast, sourceLocation: sourceLocation)
    }

    /// A document as text with whitespace sprinkled between tokens and escapes spelled
    /// differently, so parsing has more to do than read back `serialized()`.
    static func spelled(_ value: JSONValue, _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = Array(value.serialized().utf8)
        // Byte-level replacements: String's own compare canonically equivalent text as equal.
        if Bool.random(using: &random) { bytes = replacing(bytes, ",", " ,\n\t") }
        if Bool.random(using: &random) { bytes = replacing(replacing(bytes, "é", "\\u00e9"), "😀", "\\ud83d\\ude00") }
        if Bool.random(using: &random) { bytes = replacing(bytes, "/", "\\/") }
        return Array((Bool.random(using: &random) ? " \r\n" : "").utf8) + bytes + Array((Bool.random(using: &random) ? " \t" : "").utf8)
    }

    static func replacing(_ bytes: [UInt8], _ target: String, _ replacement: String) -> [UInt8] {
        let target = Array(target.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index...].starts(with: target) {
                output += replacement.utf8
                index += target.count
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }

    @Test(arguments: 0..<4)
    func validDocumentsParseToTheSameValue(_ batch: Int) throws {
        var generator = JSONGenerator(seed: 0xBEE5 + UInt64(batch))
        for _ in 0..<1_500 {
            let value = generator.value()
            let bytes = Self.spelled(value, &generator.random)
            #expect(try JSONValue.parse(bytes) == value)
            Self.expectSameVerdict(bytes)
            Self.expectSameVerdict(bytes, maxDepth: Int.random(in: 0...4, using: &generator.random))
        }
    }

    @Test(arguments: 0..<4)
    func damagedDocumentsFailTheSameWayAtTheSameOffset(_ batch: Int) {
        var generator = JSONGenerator(seed: 0xDA11A6E + UInt64(batch))
        // Bytes that break things: quotes, escapes, control characters, invalid UTF-8 (lone
        // continuation, overlong, surrogate, above U+10FFFF, truncated sequences).
        let poison: [[UInt8]] = [
            [0x22], [0x5C], [0x5C, 0x75], [0x5C, 0x75, 0x64, 0x38, 0x33, 0x64], [0x5C, 0x75, 0x64, 0x63, 0x30, 0x30], [0x5C, 0x78],
            [0x00], [0x1F], [0x0A], [0x80], [0xC0, 0xAF], [0xC3], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
            [0xF0, 0x9F, 0x98], [0xE2, 0x80], [0xFF], [0x7B], [0x7D], [0x5B], [0x5D], [0x2C], [0x3A], [0x2D], [0x2E], [0x65], [0x74],
        ]
        for _ in 0..<600 {
            let bytes = Self.spelled(generator.value(), &generator.random)
            // Every truncation of a few documents, random damage for the rest.
            if Int.random(in: 0..<20, using: &generator.random) == 0 {
                for end in 0..<bytes.count { Self.expectSameVerdict(Array(bytes[..<end])) }
            }
            for _ in 0..<6 {
                var damaged = bytes
                let position = Int.random(in: 0...damaged.count, using: &generator.random)
                let piece = poison.randomElement(using: &generator.random)!
                switch Int.random(in: 0..<3, using: &generator.random) {
                case 0: damaged.insert(contentsOf: piece, at: position)
                case 1 where position < damaged.count: damaged.replaceSubrange(position..<min(damaged.count, position + piece.count), with: piece)
                default: if position < damaged.count { damaged.remove(at: position) }
                }
                Self.expectSameVerdict(damaged)
            }
        }
    }

    @Test func longStringsWithEveryStopAtEveryAlignment() {
        // The eight-bytes-at-a-time scans: a stop byte at each position of a word, and runs of
        // valid multi-byte text across word edges.
        for stop: [UInt8] in [[0x22], [0x5C, 0x6E], [0x5C, 0x75, 0x32, 0x30, 0x32, 0x38], [0x01], [0xC3, 0xA9], [0xE2, 0x80, 0xA8], [0xC3], [0x80]] {
            for offset in 0..<24 {
                let bytes = [0x22] + Array(repeating: UInt8(ascii: "a"), count: offset) + stop + Array("bcdefghijk\"".utf8)
                Self.expectSameVerdict(bytes)
                Self.expectSameVerdict([0x5B] + bytes + [0x5D])
            }
        }
        Self.expectSameVerdict(Array(("\"" + String(repeating: "prose é 😀 ", count: 5_000) + "\"").utf8))
    }
}
