import BeekeeperConfig
import BeekeeperCore
import BeekeeperGuardian
import Testing

/// The fixed checks `arg_too_large`, `too_deep` and `duplicate_key`, now one walk per argument,
/// against the three walks they replaced (serialize each argument, `depth`, `firstDuplicateKey`),
/// over generated requests and limits; and the string visitor the pattern engine reads.
@Suite struct GuardianShapeTests {
    /// The decision of checks 2-4 as the Guardian took it before (main 6eaf79f), or nil for "passes".
    static func formerVerdict(_ request: GuardianRequest, maxArgBytes: Int, maxDepth: Int) -> String? {
        var arguments: [JSONValue] = []
        switch request.args {
        case .null: break
        case .array(let items): arguments += items
        default: arguments.append(request.args)
        }
        switch request.kwargs {
        case .null: break
        case .object(let members): arguments += members.map(\.value)
        default: arguments.append(request.kwargs)
        }
        if arguments.contains(where: { $0.serialized().utf8.count > maxArgBytes }) { return "arg_too_large" }
        if 1 + (arguments.map(\.depth).max() ?? 0) > maxDepth { return "too_deep" }
        if request.args.firstDuplicateKey() != nil || request.kwargs.firstDuplicateKey() != nil { return "duplicate_key" }
        return nil
    }

    static func value(_ random: inout GuardianDifferentialTests.Random, depth: Int = 0) -> JSONValue {
        let keys = ["id", "object", "é", "e\u{301}", "a\"b", "line\nbreak", "\u{2028}", "€", "k"]
        switch random.below(depth < 5 ? 8 : 5) {
        case 0: return .null
        case 1: return .bool(random.below(2) == 0)
        case 2: return .number(["0", "-1.5e3", "4900", "12345678901234567890"][random.below(4)])
        case 3, 4: return .string(String(repeating: keys[random.below(keys.count)], count: random.below(30)))
        case 5: return .array((0..<random.below(5)).map { _ in value(&random, depth: depth + 1) })
        default: return .object((0..<random.below(5)).map { _ in JSONValue.Member(keys[random.below(keys.count)], value(&random, depth: depth + 1)) })
        }
    }

    @Test func fixedChecksDecideAsTheThreeWalksDid() throws {
        var random = GuardianDifferentialTests.Random(state: 0x5EED)
        var seen: [String: Int] = [:]
        for round in 0..<3_000 {
            let maxArgBytes = [1, 8, 40, 200, 4_096][random.below(5)]
            let maxDepth = 1 + random.below(7)
            var configuration = GuardianConfig()
            configuration.patterns = .custom([])
            configuration.maxArgBytes = maxArgBytes
            configuration.maxDepth = maxDepth
            let guardian = try Guardian(configuration: configuration, knownFuncnames: ["f"])
            let args: JSONValue = round % 7 == 0 ? Self.value(&random) : .array((0..<random.below(4)).map { _ in Self.value(&random) })
            let kwargs: JSONValue = round % 11 == 0 ? Self.value(&random) : .object((0..<random.below(4)).map { _ in JSONValue.Member(["a", "b", "é", "e\u{301}"][random.below(4)], Self.value(&random)) })
            let request = GuardianRequest(funcname: "f", args: args, kwargs: kwargs, payloadBytes: 10)
            let expected = Self.formerVerdict(request, maxArgBytes: maxArgBytes, maxDepth: maxDepth)
            #expect(guardian.check(request).reason == expected, "\(request)")
            seen[expected ?? "approved", default: 0] += 1
        }
        // The generator reaches every outcome, so the comparison above means something.
        for outcome in ["approved", "arg_too_large", "too_deep", "duplicate_key"] { #expect(seen[outcome, default: 0] > 50, "\(seen)") }
    }

    @Test func stringVisitorSeesEveryStringAndKeyWithShortRepeatsOnce() {
        let long = String(repeating: "long text ", count: 10)
        let request = GuardianRequest(
            funcname: "f",
            args: [["id": "x", "nested": [["id": "x", "é": .string(long)]]], .string(long), "e\u{301}", 7, nil],
            kwargs: ["name": "x", "id": "y"], payloadBytes: 0)
        var visited: [String] = []
        Guardian.forEachDistinctString(in: request) { bytes in
            visited.append(String(decoding: bytes, as: UTF8.self))
            return true
        }
        // Byte-equal short strings once; canonically equal but byte-different ones ("é", "e\u{301}")
        // both; a long string at each of its occurrences; kwargs names too.
        let expected = ["id", "x", "nested", "é", long, long, "e\u{301}", "name", "y"]
        #expect(visited.map { Array($0.utf8) } == expected.map { Array($0.utf8) })

        var count = 0
        Guardian.forEachDistinctString(in: request) { _ in
            count += 1
            return count < 3
        }
        #expect(count == 3)
    }
}
