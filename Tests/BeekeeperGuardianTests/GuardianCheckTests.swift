import BeekeeperConfig
import BeekeeperCore
import BeekeeperGuardian
import Testing

/// The fixed check order and every non-pattern reason (SPEC section 6).
@Suite struct GuardianCheckTests {
    static let userId = "0b6f3c1e-8f6a-4d2b-9c1a-2f4e5d6c7b8a"

    static func guardian(
        _ configure: (inout GuardianConfig) -> Void = { _ in },
        funcnames: Set<String> = ["validate_revenue", "echo"]
    ) throws -> Guardian {
        var configuration = GuardianConfig()
        configure(&configuration)
        return try Guardian(configuration: configuration, knownFuncnames: funcnames)
    }

    /// A Stripe-like `invoice.paid` event as the first argument of validate_revenue.
    static func revenueEvent(userId: JSONValue? = .string(userId), tier: JSONValue? = "gold") -> JSONValue {
        var metadata: [JSONValue.Member] = []
        if let userId { metadata.append(JSONValue.Member("userId", userId)) }
        if let tier { metadata.append(JSONValue.Member("tier", tier)) }
        return [
            "id": "evt_1Q2w3E4r5T6y7U8i",
            "type": "invoice.paid",
            "data": ["object": ["id": "in_1Q2w3E", "amount_paid": 129900, "currency": "usd", "metadata": .object(metadata)]],
        ]
    }

    static func request(
        _ funcname: String = "echo", args: JSONValue = [], kwargs: JSONValue = [:], payloadBytes: Int? = nil
    ) -> GuardianRequest {
        let size = payloadBytes ?? (["funcname": .string(funcname), "args": args, "kwargs": kwargs] as JSONValue).bytes.count
        return GuardianRequest(funcname: funcname, args: args, kwargs: kwargs, payloadBytes: size)
    }

    @Test func ordinaryTaskIsApproved() throws {
        let guardian = try Self.guardian()
        #expect(guardian.check(Self.request("echo", args: ["hello", 42, true, nil], kwargs: ["name": "Jane"])) == .approved)
        #expect(guardian.check(Self.request("echo")) == .approved)
        #expect(guardian.check(GuardianRequest(funcname: "echo", args: nil, kwargs: nil, payloadBytes: 20)) == .approved)
    }

    /// The metrics export every reason from the start, so the set must hold every reason a
    /// check can give, and nothing unbounded.
    @Test func blockReasonsCoverEveryReasonACheckGives() throws {
        let guardian = try Self.guardian {
            $0.maxPayloadBytes = 1000
            $0.maxArgBytes = 100
            $0.maxDepth = 3
            $0.rules = ["echo": [
                GuardianConfig.FieldRule(field: "kwargs.tier", check: .oneOf(["gold"])),
                GuardianConfig.FieldRule(field: "kwargs.user", check: .uuid),
            ]]
        }
        let reasons = guardian.blockReasons
        #expect(Set(reasons).count == reasons.count)
        #expect(reasons.count == 5 + guardian.patternIDs.count + 2)
        let requests: [GuardianRequest] = [
            Self.request(payloadBytes: 1001),
            Self.request(args: [.string(String(repeating: "a", count: 200))]),
            Self.request(args: [[[["deep"]]]]),
            Self.request(args: [.object([.init("tier", "platinum"), .init("tier", "gold")])]),
            Self.request("nobody"),
            Self.request(args: ["x'; DROP TABLE users; --"]),
            Self.request(args: ["../../../../etc/passwd"]),
            Self.request(kwargs: ["tier": "lead", "user": .string(Self.userId)]),
            Self.request(kwargs: ["tier": "gold", "user": "not-a-uuid"]),
        ]
        var seen: Set<String> = []
        for request in requests {
            guard case .blocked(let reason) = guardian.check(request) else {
                Issue.record("not blocked: \(request)")
                continue
            }
            #expect(reasons.contains(reason), "\(reason) is not in blockReasons")
            seen.insert(reason)
        }
        #expect(seen.count == requests.count, "each request blocks for its own reason: \(seen.sorted())")
    }

    @Test func payloadSizeLimitIsInclusive() throws {
        let guardian = try Self.guardian { $0.maxPayloadBytes = 1000 }
        #expect(guardian.check(Self.request(payloadBytes: 1000)) == .approved)
        #expect(guardian.check(Self.request(payloadBytes: 1001)) == .blocked(reason: "payload_too_large"))
    }

    @Test func argumentSizeIsTheCompactJSONOfEachArgument() throws {
        let guardian = try Self.guardian { $0.maxArgBytes = 100 }
        // A 98-character string serializes to exactly 100 bytes with its quotes.
        let fits: JSONValue = .string(String(repeating: "a", count: 98))
        let tooBig: JSONValue = .string(String(repeating: "a", count: 99))
        #expect(guardian.check(Self.request(args: [fits, fits, fits])) == .approved)
        #expect(guardian.check(Self.request(args: [fits, tooBig])) == .blocked(reason: "arg_too_large"))
        #expect(guardian.check(Self.request(kwargs: ["a": fits, "b": tooBig])) == .blocked(reason: "arg_too_large"))
        // Escapes count as written: 49 newlines are 98 bytes of "\n" plus quotes = 100.
        #expect(guardian.check(Self.request(args: [.string(String(repeating: "\n", count: 49))])) == .approved)
        #expect(guardian.check(Self.request(args: [.string(String(repeating: "\n", count: 50))])) == .blocked(reason: "arg_too_large"))
        // UTF-8 bytes, not characters: 33 × "€" is 99 bytes, plus quotes = 101.
        #expect(guardian.check(Self.request(args: [.string(String(repeating: "€", count: 33))])) == .blocked(reason: "arg_too_large"))
        // Containers are measured whole: [ + 20 × "aaa" + 19 commas + ] = 1 + 100 + 19 + 1.
        let list: JSONValue = .array(Array(repeating: "aaa", count: 20))
        #expect(guardian.check(Self.request(args: [list])) == .blocked(reason: "arg_too_large"))
    }

    @Test func depthCountsTheArgumentContainer() throws {
        let guardian = try Self.guardian { $0.maxDepth = 3 }
        // Scalars: depth 1 (the args array itself).
        #expect(guardian.check(Self.request(args: [1, "x"])) == .approved)
        // [[1]] has depth 2, +1 for args = 3.
        #expect(guardian.check(Self.request(args: [[[1]]])) == .approved)
        #expect(guardian.check(Self.request(args: [[[[1]]]])) == .blocked(reason: "too_deep"))
        #expect(guardian.check(Self.request(kwargs: ["a": ["b": ["c": 1]]])) == .approved)
        #expect(guardian.check(Self.request(kwargs: ["a": ["b": ["c": [1]]]])) == .blocked(reason: "too_deep"))
        let one = try Self.guardian { $0.maxDepth = 1 }
        #expect(one.check(Self.request(args: ["x"], kwargs: ["k": 1])) == .approved)
        #expect(one.check(Self.request(args: [[]])) == .blocked(reason: "too_deep"))
    }

    @Test func unknownFuncnameIsBlocked() throws {
        let guardian = try Self.guardian()
        #expect(guardian.check(Self.request("rm_everything")) == .blocked(reason: "unknown_funcname"))
        #expect(guardian.check(Self.request("Echo")) == .blocked(reason: "unknown_funcname"))
    }

    @Test func firstFailingCheckWins() throws {
        let guardian = try Self.guardian {
            $0.maxPayloadBytes = 10_000
            $0.maxArgBytes = 200
            $0.maxDepth = 3
            $0.rules = ["echo": [GuardianConfig.FieldRule(field: "kwargs.tier", check: .oneOf(["gold"]))]]
        }
        let hostile: JSONValue = "rm -rf /"
        let big: JSONValue = .string(String(repeating: "x", count: 300))
        let deep: JSONValue = [[[1]]]
        // Everything wrong at once: the payload size decides.
        #expect(guardian.check(Self.request("nope", args: [hostile, big, deep], kwargs: ["tier": "tin"], payloadBytes: 10_001))
            == .blocked(reason: "payload_too_large"))
        #expect(guardian.check(Self.request("nope", args: [hostile, big, deep], kwargs: ["tier": "tin"], payloadBytes: 500))
            == .blocked(reason: "arg_too_large"))
        #expect(guardian.check(Self.request("nope", args: [hostile, deep], kwargs: ["tier": "tin"], payloadBytes: 500))
            == .blocked(reason: "too_deep"))
        #expect(guardian.check(Self.request("nope", args: [hostile], kwargs: ["tier": "tin"], payloadBytes: 500))
            == .blocked(reason: "unknown_funcname"))
        #expect(guardian.check(Self.request("echo", args: [hostile], kwargs: ["tier": "tin"], payloadBytes: 500))
            == .blocked(reason: "pattern:shell_destructive"))
        #expect(guardian.check(Self.request("echo", args: ["fine"], kwargs: ["tier": "tin"], payloadBytes: 500))
            == .blocked(reason: "rule:kwargs.tier:one_of"))
        #expect(guardian.check(Self.request("echo", args: ["fine"], kwargs: ["tier": "gold"], payloadBytes: 500)) == .approved)
    }

    @Test func patternsSeeKeysAndNestedLeaves() throws {
        let guardian = try Self.guardian()
        #expect(guardian.check(Self.request(kwargs: ["'; DROP TABLE users; --": 1])) == .blocked(reason: "pattern:sql_destructive"))
        #expect(guardian.check(Self.request(args: [["meta": ["../../etc/passwd": true]]])) == .blocked(reason: "pattern:path_traversal"))
        #expect(guardian.check(Self.request(args: [[1, [2, ["x", "<script>alert(1)</script>"]]]])) == .blocked(reason: "pattern:code_execution"))
        // Numbers are literal digits and never matched; only strings and keys are.
        #expect(guardian.check(Self.request(args: [.number("1")], kwargs: ["n": .number("-0.5e10")])) == .approved)
    }

    @Test func firstPatternInListOrderWinsAcrossLeaves() throws {
        let guardian = try Self.guardian {
            $0.patterns = .custom([
                GuardianConfig.Pattern(id: "second_leaf", regex: "beta"),
                GuardianConfig.Pattern(id: "first_leaf", regex: "alpha"),
            ])
        }
        #expect(guardian.check(Self.request(args: ["alpha", "beta"])) == .blocked(reason: "pattern:second_leaf"))
    }

    // MARK: field rules

    static func revenueGuardian(extra: [GuardianConfig.FieldRule] = []) throws -> Guardian {
        try guardian {
            $0.rules = [
                "validate_revenue": [
                    GuardianConfig.FieldRule(field: "args.0.data.object.metadata.userId", check: .uuid),
                    GuardianConfig.FieldRule(field: "args.0.data.object.metadata.tier", check: .oneOf(["bronze", "silver", "gold"])),
                ] + extra
            ]
        }
    }

    @Test func specExampleRules() throws {
        let guardian = try Self.revenueGuardian()
        #expect(guardian.check(Self.request("validate_revenue", args: [Self.revenueEvent()])) == .approved)
        #expect(guardian.check(Self.request("validate_revenue", args: [Self.revenueEvent(userId: .string(Self.userId.uppercased()))])) == .approved)
        #expect(guardian.check(Self.request("validate_revenue", args: [Self.revenueEvent(userId: "user-42")]))
            == .blocked(reason: "rule:args.0.data.object.metadata.userId:uuid"))
        #expect(guardian.check(Self.request("validate_revenue", args: [Self.revenueEvent(tier: "platinum")]))
            == .blocked(reason: "rule:args.0.data.object.metadata.tier:one_of"))
        #expect(guardian.check(Self.request("validate_revenue", args: [Self.revenueEvent(tier: "Gold")]))
            == .blocked(reason: "rule:args.0.data.object.metadata.tier:one_of"))
        // Both wrong: rules run in order.
        #expect(guardian.check(Self.request("validate_revenue", args: [Self.revenueEvent(userId: "x", tier: "x")]))
            == .blocked(reason: "rule:args.0.data.object.metadata.userId:uuid"))
        // Rules belong to their funcname only.
        #expect(guardian.check(Self.request("echo", args: [Self.revenueEvent(userId: "x")])) == .approved)
    }

    @Test(arguments: [
        "0b6f3c1e8f6a4d2b9c1a2f4e5d6c7b8a",  // no hyphens
        "0b6f3c1e-8f6a-4d2b-9c1a-2f4e5d6c7b8",  // short
        "0b6f3c1e-8f6a-4d2b-9c1a-2f4e5d6c7b8a0",  // long
        "{0b6f3c1e-8f6a-4d2b-9c1a-2f4e5d6c7b8a}",  // braces
        "0b6f3c1e-8f6a-4d2b-9c1a_2f4e5d6c7b8a",  // wrong separator
        "0b6f3c1g-8f6a-4d2b-9c1a-2f4e5d6c7b8a",  // not hex
        "0b6f3c1e-8f6a-4d2b-9c1a-2f4e5d6c7b8é",  // non-ASCII
        "",
    ])
    func uuidCheckRejects(_ text: String) throws {
        let guardian = try Self.revenueGuardian()
        #expect(guardian.check(Self.request("validate_revenue", args: [Self.revenueEvent(userId: .string(text))]))
            == .blocked(reason: "rule:args.0.data.object.metadata.userId:uuid"))
    }

    @Test func uuidAcceptsAnyVersionAndCase() throws {
        let guardian = try Self.revenueGuardian()
        for text in ["00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-1FFF-bFFF-ffffffffffff", "a8098c1a-f86e-11da-bd1a-00112444be1e"] {
            #expect(guardian.check(Self.request("validate_revenue", args: [Self.revenueEvent(userId: .string(text))])) == .approved)
        }
        // Not a string at all.
        #expect(guardian.check(Self.request("validate_revenue", args: [Self.revenueEvent(userId: 42)]))
            == .blocked(reason: "rule:args.0.data.object.metadata.userId:uuid"))
        #expect(guardian.check(Self.request("validate_revenue", args: [Self.revenueEvent(userId: [.string(Self.userId)])]))
            == .blocked(reason: "rule:args.0.data.object.metadata.userId:uuid"))
    }

    @Test func missingFieldFailsOnlyRequired() throws {
        let optional = try Self.revenueGuardian()
        // Absent, null, or a path that runs into a scalar or past the array: skipped.
        #expect(optional.check(Self.request("validate_revenue", args: [Self.revenueEvent(userId: nil, tier: nil)])) == .approved)
        #expect(optional.check(Self.request("validate_revenue", args: [Self.revenueEvent(userId: .null, tier: .null)])) == .approved)
        #expect(optional.check(Self.request("validate_revenue", args: ["just a string"])) == .approved)
        #expect(optional.check(Self.request("validate_revenue", args: [])) == .approved)

        let required = try Self.revenueGuardian(extra: [GuardianConfig.FieldRule(field: "args.0.data.object.metadata.userId", check: .required)])
        #expect(required.check(Self.request("validate_revenue", args: [Self.revenueEvent()])) == .approved)
        #expect(required.check(Self.request("validate_revenue", args: [Self.revenueEvent(userId: nil)]))
            == .blocked(reason: "rule:args.0.data.object.metadata.userId:required"))
        #expect(required.check(Self.request("validate_revenue", args: [Self.revenueEvent(userId: .null)]))
            == .blocked(reason: "rule:args.0.data.object.metadata.userId:required"))
        #expect(required.check(Self.request("validate_revenue", args: []))
            == .blocked(reason: "rule:args.0.data.object.metadata.userId:required"))
    }

    @Test func regexMaxLengthAndOneOfSemantics() throws {
        let guardian = try Self.guardian {
            $0.rules = [
                "echo": [
                    GuardianConfig.FieldRule(field: "kwargs.code", check: .regex("[a-z]+|[a-z]+[0-9]")),
                    GuardianConfig.FieldRule(field: "kwargs.name", check: .maxLength(3)),
                    GuardianConfig.FieldRule(field: "kwargs.qty", check: .oneOf(["1", "2", "true"])),
                    GuardianConfig.FieldRule(field: "args.1", check: .required),
                ]
            ]
        }
        func check(_ kwargs: JSONValue, args: JSONValue = ["a", "b"]) -> GuardianDecision {
            guardian.check(Self.request("echo", args: args, kwargs: kwargs))
        }
        #expect(check(["code": "abc", "name": "Zoë", "qty": 1]) == .approved)
        // Whole match, even when the first alternative only matches a prefix.
        #expect(check(["code": "abc1"]) == .approved)
        #expect(check(["code": "abc12"]) == .blocked(reason: "rule:kwargs.code:regex"))
        #expect(check(["code": "x abc"]) == .blocked(reason: "rule:kwargs.code:regex"))
        #expect(check(["code": "abc\n"]) == .blocked(reason: "rule:kwargs.code:regex"))
        #expect(check(["code": ["abc"]]) == .blocked(reason: "rule:kwargs.code:regex"))
        // Characters, not bytes or scalars: "e" + combining acute is one Character.
        #expect(check(["name": "e\u{301}e\u{301}e\u{301}"]) == .approved)
        #expect(check(["name": "abcd"]) == .blocked(reason: "rule:kwargs.name:max_length"))
        // Numbers compare by their literal text; booleans as true/false.
        #expect(check(["qty": 2]) == .approved)
        #expect(check(["qty": true]) == .approved)
        #expect(check(["qty": "2"]) == .approved)
        #expect(check(["qty": .number("2.0")]) == .blocked(reason: "rule:kwargs.qty:one_of"))
        #expect(check(["qty": 3]) == .blocked(reason: "rule:kwargs.qty:one_of"))
        #expect(check([:], args: ["a"]) == .blocked(reason: "rule:args.1:required"))
        #expect(check([:], args: ["a", [1]]) == .approved)
    }

    // MARK: setup errors

    @Test func badCustomRegexNamesItsID() {
        var configuration = GuardianConfig()
        configuration.patterns = .custom([GuardianConfig.Pattern(id: "ok", regex: "a+"), GuardianConfig.Pattern(id: "broken_one", regex: "(unclosed")])
        let error = #expect(throws: GuardianSetupError.self) {
            try Guardian(configuration: configuration, knownFuncnames: [])
        }
        guard case .invalidPatternRegex(let id, _)? = error?.reason else {
            Issue.record("expected invalidPatternRegex, got \(String(describing: error))")
            return
        }
        #expect(id == "broken_one")
        #expect(error?.description.contains("'broken_one'") == true)
    }

    @Test func setupErrorsAreSpecific() {
        func setupError(_ configure: (inout GuardianConfig) -> Void) -> GuardianSetupError.Reason? {
            var configuration = GuardianConfig()
            configure(&configuration)
            do {
                _ = try Guardian(configuration: configuration, knownFuncnames: ["echo"])
                return nil
            } catch {
                return error.reason
            }
        }
        #expect(setupError { $0.maxDepth = 0 } == .invalidLimit(key: "max_depth", value: 0))
        #expect(setupError { $0.maxArgBytes = -1 } == .invalidLimit(key: "max_arg_bytes", value: -1))
        #expect(setupError { $0.patterns = .custom([.init(id: "a", regex: "x"), .init(id: "a", regex: "y")]) } == .duplicatePatternID("a"))
        #expect(setupError { $0.patterns = .custom([.init(id: "", regex: "x")]) } == .emptyPatternID)
        #expect(setupError { $0.rules = ["ehco": [.init(field: "args.0", check: .required)]] } == .rulesForUnknownFuncname("ehco"))
        #expect(setupError { $0.rules = ["echo": [.init(field: "data.userId", check: .uuid)]] } == .invalidRuleField(funcname: "echo", field: "data.userId"))
        #expect(setupError { $0.rules = ["echo": [.init(field: "kwargs.n", check: .maxLength(-2))]] }
            == .invalidMaxLength(funcname: "echo", field: "kwargs.n", value: -2))
        guard case .invalidRuleRegex(let funcname, let field, _)? = setupError({ $0.rules = ["echo": [.init(field: "kwargs.n", check: .regex("a\\"))]] }) else {
            Issue.record("a trailing backslash must not compile")
            return
        }
        #expect(funcname == "echo" && field == "kwargs.n")
        #expect(setupError { $0.rules = ["echo": [.init(field: "kwargs", check: .required)]] } == nil)
    }
}
