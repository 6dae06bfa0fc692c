import BeekeeperCore
import Testing

@Suite struct JSONValueTests {
    @Test func roundTripKeepsOrderAndNumberText() throws {
        let text = #"{"z":1,"a":[true,false,null,-0.5e10,"x\ny\u0001é😀"],"amount":12345678901234567890}"#
        let value = try JSONValue.parse(text)
        #expect(value.serialized() == #"{"z":1,"a":[true,false,null,-0.5e10,"x\ny\u0001é😀"],"amount":12345678901234567890}"#)
        #expect(value["amount"] == .number("12345678901234567890"))
        #expect(value.value(atPath: "a.4")?.stringValue == "x\ny\u{01}é😀")
    }

    @Test func surrogatePairsDecode() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#""\ud83d""#) }
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"abc", "[1] x", "{\"a\":1,}", "\"\u{01}\""])
    func malformedInputIsRejected(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func depthLimitStopsHostileNesting() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep, maxDepth: 64) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try JSONValue.parse(fine, maxDepth: 64).depth == 64)
    }

    @Test func invalidUTF8IsRejected() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func pathLookupAndSetting() throws {
        let value = try JSONValue.parse(#"{"args":[{"data":{"object":{"metadata":{"tier":"gold"}}}}]}"#)
        #expect(value.value(atPath: "args.0.data.object.metadata.tier") == "gold")
        #expect(value.value(atPath: "args.1") == nil)
        #expect(value.setting("k", to: 3).serialized() == #"{"args":[{"data":{"object":{"metadata":{"tier":"gold"}}}}],"k":3}"#)
    }

    @Test func escapingRoundTripsEveryAwkwardCharacter() throws {
        let text = "plain \"quoted\" back\\slash\ttab\u{08}\u{0C}\r\n\u{00}\u{1F}\u{2028}\u{2029} é 😀 end"
        var out = ""
        JSONValue.writeString(text, to: &out)
        #expect(out == #""plain \"quoted\" back\\slash\ttab\b\f\r\n\u0000\u001f\u2028\u2029 é 😀 end""#)
        #expect(try JSONValue.parse(out) == .string(text))
        var empty = ""
        JSONValue.writeString("", to: &empty)
        #expect(empty == #""""#)
    }
}
