import BeekeeperCore
import Testing

/// The byte writer makes every serialized form (`serialized()` and the String writers delegate to
/// it), and audit lines are hashed over its bytes: it must append, escape exactly SPEC's way (the
/// literal expectations are in `JSONValueTests`), and give back what it was given.
@Suite struct JSONValueByteSerializationTests {
    static let values: [JSONValue] = [
        .null, true, false, 0, -12, .number("3.5e-2"), .number("12345678901234567890"), "", "plain ascii",
        "quote \" backslash \\ slash /", "controls \u{00}\u{01}\u{08}\u{09}\u{0A}\u{0C}\u{0D}\u{1B}\u{1F}",
        "line sep \u{2028} para sep \u{2029} and € (E2 82 AC) and … (E2 80 A6)", "é 😀 中文", "\u{E2}",
        "ends with escape\n", "\"", [], [1, "two", [3], ["four": 4]], ["k\"ey": ["nested": [true, nil]], "": ""],
    ]

    @Test(arguments: values)
    func bytesAppendAndParseBack(_ value: JSONValue) throws {
        var bytes: [UInt8] = [0x78]  // appends after what is already there
        value.write(to: &bytes)
        #expect(bytes.first == 0x78)
        #expect(try JSONValue.parse(bytes.dropFirst()) == value)
    }

    @Test func stringsNeedNoRawControlOrSeparatorBytes() throws {
        for value in Self.values {
            guard case .string(let text) = value else { continue }
            var bytes: [UInt8] = []
            JSONValue.writeString(text, to: &bytes)
            #expect(!bytes.contains { $0 < 0x20 }, "\(text.debugDescription)")
            #expect(!String(decoding: bytes, as: UTF8.self).contains { $0 == "\u{2028}" || $0 == "\u{2029}" })
            #expect(try JSONValue.parse(bytes) == .string(text))
        }
    }

    /// The writer skips eight bytes at a time while none needs a look: every escape class (and
    /// the non-separator characters that share U+2028's lead byte 0xE2) at every position
    /// relative to those words, in strings of every length around them, against a plain
    /// per-scalar writer of SPEC's escapes.
    @Test func everyEscapeAtEveryPositionOfTheWordScan() throws {
        let specials: [String] = [
            "\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{01}", "\u{1B}", "\u{1F}", "\u{2028}", "\u{2029}",
            "€", "…", "\u{2027}", "\u{202A}", "é", "😀", "\u{7F}", " ", "~",
        ]
        for length in 0...19 {
            for position in 0...length {
                for special in specials {
                    let text = String(repeating: "a", count: position) + special + String(repeating: "b", count: length - position)
                    var bytes: [UInt8] = [0x78]
                    JSONValue.writeString(text, to: &bytes)
                    #expect(bytes == [0x78] + Self.reference(text), "\(text.debugDescription)")
                    #expect(try JSONValue.parse(bytes.dropFirst()) == .string(text))
                }
            }
        }
        // Two specials in one word, and every special back to back.
        let all = specials.joined()
        for text in [all, "a" + all, all + all, "\"\"\"\"\"\"\"\"\"", "\u{2028}\u{2028}\u{2028}\u{2029}"] {
            var bytes: [UInt8] = []
            JSONValue.writeString(text, to: &bytes)
            #expect(bytes == Self.reference(text), "\(text.debugDescription)")
        }
    }

    /// The pointer writer gets its room from ``JSONValue/byteBound`` (the audit line) or from the
    /// exact ``JSONValue/compactByteCount`` (`write(to: [UInt8])`): on generated values of every
    /// escape and nesting, the bound is never below what is written and the count is exact.
    @Test func roomFromTheBoundOrTheCountIsEnough() throws {
        var generator = JSONGenerator(seed: 0xB0_0D)
        for _ in 0..<3_000 {
            let value = generator.value()
            var bytes: [UInt8] = [0x78]
            value.write(to: &bytes)
            #expect(bytes.count - 1 == value.compactByteCount)
            #expect(value.byteBound >= value.compactByteCount, "\(value)")
            #expect(try JSONValue.parse(bytes.dropFirst()) == value)
            var bounded: [UInt8] = [0x79]
            bounded.appendWritten(atMost: value.byteBound) { value.write(to: &$0) }
            #expect(bounded.dropFirst().elementsEqual(bytes.dropFirst()))
        }
    }

    /// SPEC's string escapes, one Unicode scalar at a time.
    static func reference(_ text: String) -> [UInt8] {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x2028: out += "\\u2028"
            case 0x2029: out += "\\u2029"
            case 0..<0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return Array(out.utf8)
    }

    @Test(arguments: ["0", "-0", "12", "-12", "0.5", "3.5e2", "3.5E+2", "1e-7", "12345678901234567890", "-0.0e0"])
    func validNumberLiterals(_ text: String) throws {
        #expect(JSONValue.isNumberLiteral(text))
        #expect(try JSONValue.parse(text) == .number(text))
    }

    @Test(arguments: ["", "-", "01", "1.", ".5", "1e", "1e+", "+1", "0x10", "12abc", "1 ", " 1", "NaN", "Infinity", "1.2.3", "--1"])
    func invalidNumberLiterals(_ text: String) {
        #expect(!JSONValue.isNumberLiteral(text))
    }

    @Test func invalidNumberLiteralFindsTheFirstBadOne() {
        let value: JSONValue = ["a": 1, "b": [2, .number("3x")], "c": .number("4y")]
        #expect(value.invalidNumberLiteral == "3x")
        #expect(JSONValue.object(["a": 1, "b": [2.5]]).invalidNumberLiteral == nil)
    }
}
