import BeekeeperCore
import Testing

/// `compactByteCount` and `shape` must agree with what they replace: `serialized().utf8.count`,
/// `depth` and `firstDuplicateKey()`, on every value.
@Suite struct JSONCompactByteCountTests {
    @Test(arguments: 0..<4)
    func countMatchesSerializationOnGeneratedValues(_ batch: Int) {
        var generator = JSONGenerator(seed: 0xC0FFEE + UInt64(batch))
        for _ in 0..<2_500 {
            let value = generator.value()
            let size = value.serialized().utf8.count
            #expect(value.compactByteCount == size, "\(value)")
            #expect(JSONValue.compactByteCount(ofString: value.serialized()) == JSONValue.string(value.serialized()).serialized().utf8.count)
            // Early stop: exact at or under the limit, above it past the limit.
            for limit in [0, 1, size / 2, size - 1, size, size + 1] where limit >= 0 {
                let counted = value.compactByteCount(stoppingAfter: limit)
                if size <= limit { #expect(counted == size) } else { #expect(counted > limit) }
                let shape = value.shape(byteLimit: limit)
                if size <= limit {
                    #expect(shape == JSONValue.Shape(compactBytes: size, depth: value.depth, hasDuplicateKey: value.firstDuplicateKey() != nil))
                } else {
                    #expect(shape.compactBytes > limit)
                }
            }
        }
    }

    @Test func everyEscapeIsCounted() {
        // One of each: 2-byte escapes, 6-byte \u00XX, U+2028/9 (3 bytes become 6), E2 that is not them.
        let cases: [(String, Int)] = [
            ("", 2), ("a", 3), ("\"", 4), ("\\", 4), ("\n\r\t\u{08}\u{0C}", 12), ("\u{00}", 8), ("\u{1F}", 8),
            ("\u{7F}", 3), ("\u{2028}", 8), ("\u{2029}", 8), ("\u{2027}", 5), ("€", 5), ("😀", 6),
            ("12345678\"", 12), ("1234567\u{2028}", 15), ("123456\u{2029}7", 15),
        ]
        for (text, size) in cases {
            #expect(JSONValue.compactByteCount(ofString: text) == size, "\(text.debugDescription)")
            var written = ""
            JSONValue.writeString(text, to: &written)
            #expect(written.utf8.count == size)
        }
    }

    @Test func shapeOfNestedValues() {
        let value: JSONValue = ["a": [1, [2, ["b": [:]]]], "c": "x"]
        #expect(value.shape() == JSONValue.Shape(compactBytes: value.serialized().utf8.count, depth: 5, hasDuplicateKey: false))
        let repeated = JSONValue.array([.object([JSONValue.Member("k", 1), JSONValue.Member("j", 2), JSONValue.Member("k", 3)])])
        #expect(repeated.shape().hasDuplicateKey)
        // Many members: the set path, with canonically equal keys.
        var members = (0..<40).map { JSONValue.Member("key\($0)", .null) }
        #expect(!JSONValue.object(members).shape().hasDuplicateKey)
        members += [JSONValue.Member("é", 1), JSONValue.Member("e\u{301}", 2)]
        #expect(JSONValue.object(members).shape().hasDuplicateKey)
        #expect(JSONValue.object([JSONValue.Member("é", 1), JSONValue.Member("e\u{301}", 2)]).shape().hasDuplicateKey)
    }
}
