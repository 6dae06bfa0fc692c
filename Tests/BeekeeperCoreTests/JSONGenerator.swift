import BeekeeperCore

/// SplitMix64: a seeded generator, so a failing case can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random JSON values made to hit every branch of escaping and measuring: control characters,
/// quotes, backslashes, U+2028/U+2029 and other E2 sequences (€, …), 2- to 4-byte UTF-8,
/// canonically equivalent keys, repeated keys, number literals of every form, deep nesting.
struct JSONGenerator {
    var random: SeededGenerator

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    static let pieces: [String] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{01}", "\u{1F}", "\u{7F}",
        "\u{2028}", "\u{2029}", "\u{2027}", "€", "…", "é", "e\u{301}", "ß", "中", "😀", "\u{FFFF}", "\u{10FFFF}",
        "plain text ", "id", "object", "'; DROP TABLE x; --", "../../etc/passwd",
    ]

    static let numbers: [String] = ["0", "-0", "1", "-12", "3.5", "-0.5e10", "1E+2", "2e-3", "12345678901234567890", "4900"]

    mutating func string() -> String {
        let length = Int.random(in: 0...12, using: &random)
        var text = ""
        for _ in 0..<length { text += Self.pieces.randomElement(using: &random)! }
        if Int.random(in: 0..<20, using: &random) == 0 { text += String(repeating: "x", count: Int.random(in: 60...200, using: &random)) }
        return text
    }

    mutating func key() -> String {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: return "é"
        case 1: return "e\u{301}"  // canonically equal to "é": a duplicate to String equality
        case 2: return "id"
        default: return string()
        }
    }

    mutating func value(depth: Int = 0) -> JSONValue {
        let containers = depth < 6
        switch Int.random(in: 0..<(containers ? 8 : 5), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .number(Self.numbers.randomElement(using: &random)!)
        case 3, 4: return .string(string())
        case 5: return .array((0..<Int.random(in: 0...5, using: &random)).map { _ in value(depth: depth + 1) })
        default:
            return .object((0..<Int.random(in: 0...6, using: &random)).map { _ in JSONValue.Member(key(), value(depth: depth + 1)) })
        }
    }
}
