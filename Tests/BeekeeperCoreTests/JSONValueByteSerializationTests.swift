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
