public import BeekeeperConfig
public import BeekeeperCore
import Dispatch
import PCRE2

/// Judges a task before any bee sees it (SPEC section 6).
///
/// Built once from the configuration (every regex is compiled with PCRE2's JIT in `init`), then
/// shared by all request handlers: `check` is synchronous and safe to call concurrently, and
/// ``judge(_:)`` runs it off the caller's thread for large bodies. Its cost grows with the length
/// of the task's strings: one literal scan per string (``PatternEngine``), then PCRE2 only where a
/// pattern can match (BENCHMARKS.md section 16.1, quiet machine: 15 µs for a 1.2 KB Stripe event
/// and 340 MB/s over prose, 16× the engine without the prefilter; about 6 ms for the worst 1 MiB
/// body measured, 22 ms on a loaded machine). Every match is bounded by PCRE2's match limit, and one that
/// reaches it blocks, so `max_payload_bytes` also bounds the CPU one request can take. The checks
/// run in a fixed order and the first failure decides the reason:
///
/// 1. `payload_too_large`: `payloadBytes > max_payload_bytes`.
/// 2. `arg_too_large`: one argument (an element of `args` or a value of `kwargs`), measured
///    as the byte count of its compact JSON serialization, is larger than `max_arg_bytes`.
/// 3. `too_deep`: the task's nesting depth is larger than `max_depth`. That depth is 1 (for the
///    containing `args` array or `kwargs` object) plus the largest `JSONValue.depth` of any
///    argument: `f("x")` has depth 1, `f([1])` and `f(k: {})` depth 2, and so on.
/// 4. `duplicate_key`: an object anywhere in `args` or `kwargs` has a key twice. Parsers disagree
///    on which member wins, so the bee could act on a member no check judged. (Signed HTTP tasks
///    with one are refused with 400 before they get here; this catches every other source.)
/// 5. `unknown_funcname`: no bee serves the funcname.
/// 6. `pattern:<id>`: the first pattern, in list order, that matches any string leaf or object
///    key anywhere in `args` and `kwargs` (keys too, `kwargs` names included, so a hostile key is
///    not a blind spot).
/// 7. `rule:<field>:<check>`: the funcname's field rules, in order. Field paths are taken from
///    the task object `{"args": [...], "kwargs": {...}}` (`args.0.data.object.metadata.userId`).
///    A field is missing when its path does not resolve or its value is JSON `null`; a missing
///    field fails only `required`, every other check skips it. The other checks look at the
///    value's text (a string, a number's literal text, `true`/`false`); arrays and objects fail
///    them. `uuid`: RFC 4122 textual form, 8-4-4-4-12 hex digits, any version, any case.
///    `one_of`: the text equals one of the values exactly (`1.0` is not `1`). `regex`: the
///    pattern matches the whole text. `max_length`: at most that many Characters.
public final class Guardian: Sendable {
    private let maxPayloadBytes: Int
    let maxArgBytes: Int
    let maxDepth: Int
    private let knownFuncnames: Set<String>
    private let patterns: [CompiledPattern]
    /// The patterns' prefiltered matcher; nil to match each pattern whole (the engine before the
    /// prefilter, kept for `beekeeper-bench` comparisons and tests).
    private let engine: PatternEngine?
    private let rules: [String: [CompiledFieldRule]]

    /// The ids of the patterns in use, in the order they are tried.
    public var patternIDs: [String] { patterns.map(\.id) }

    /// Every reason this Guardian can block with (a bounded set: the fixed checks, the patterns,
    /// the configured field rules), so each counter series can exist from the start.
    public var blockReasons: [String] {
        ["payload_too_large", "arg_too_large", "too_deep", "duplicate_key", "unknown_funcname"] + patterns.map(\.reason)
            + rules.keys.sorted().flatMap { rules[$0]!.map(\.reason) }
    }

    public convenience init(configuration: GuardianConfig, knownFuncnames: Set<String>) throws(GuardianSetupError) {
        try self.init(configuration: configuration, knownFuncnames: knownFuncnames, prefilter: true)
    }

    /// With `prefilter: false`, every pattern is one PCRE2 pass over every string (the engine
    /// before ``PatternEngine``), for measurements and differential tests.
    package init(configuration: GuardianConfig, knownFuncnames: Set<String>, prefilter: Bool) throws(GuardianSetupError) {
        for (key, value) in [
            ("max_payload_bytes", configuration.maxPayloadBytes),
            ("max_arg_bytes", configuration.maxArgBytes),
            ("max_depth", configuration.maxDepth),
        ] where value <= 0 {
            throw GuardianSetupError(.invalidLimit(key: key, value: value))
        }
        maxPayloadBytes = configuration.maxPayloadBytes
        maxArgBytes = configuration.maxArgBytes
        maxDepth = configuration.maxDepth
        self.knownFuncnames = knownFuncnames

        let source: [GuardianConfig.Pattern]
        switch configuration.patterns {
        case .builtIn: source = Guardian.defaultPatterns
        case .custom(let custom): source = custom
        }
        var seen: Set<String> = []
        var compiled: [CompiledPattern] = []
        for pattern in source {
            guard !pattern.id.isEmpty else { throw GuardianSetupError(.emptyPatternID) }
            guard seen.insert(pattern.id).inserted else { throw GuardianSetupError(.duplicatePatternID(pattern.id)) }
            do {
                compiled.append(CompiledPattern(id: pattern.id, regex: try CompiledRegex(pattern.regex)))
            } catch {
                throw GuardianSetupError(.invalidPatternRegex(id: pattern.id, message: error.message))
            }
        }
        patterns = compiled
        engine = prefilter ? PatternEngine(patterns: source.map(\.regex), wholePatterns: compiled.map(\.regex.regex)) : nil

        var compiledRules: [String: [CompiledFieldRule]] = [:]
        // Sorted so that, with several faults, the same one is reported every time.
        for (funcname, fieldRules) in configuration.rules.sorted(by: { $0.key < $1.key }) {
            guard knownFuncnames.contains(funcname) else { throw GuardianSetupError(.rulesForUnknownFuncname(funcname)) }
            compiledRules[funcname] = try fieldRules.map { rule throws(GuardianSetupError) in
                try CompiledFieldRule(rule, funcname: funcname)
            }
        }
        rules = compiledRules
    }

    public func check(_ request: GuardianRequest) -> GuardianDecision {
        if request.payloadBytes > maxPayloadBytes { return .blocked(reason: "payload_too_large") }

        switch shapeCheck(request) {
        case .approved: break
        case let blocked: return blocked
        }

        guard knownFuncnames.contains(request.funcname) else { return .blocked(reason: "unknown_funcname") }

        if !patterns.isEmpty {
            // The first pattern in list order that matches any leaf: each distinct leaf's bytes are
            // taken once and tried only against the patterns before the best one found so far.
            let data = PCRE2MatchData()
            var best = patterns.count
            if let engine {
                // One literal scan per leaf, then PCRE2 only where a pattern can match.
                let scratch = engine.makeScratch()
                Guardian.forEachString(in: request) { bytes in
                    guard engine.scan(bytes, into: scratch) else { return true }
                    for index in 0..<best where engine.matches(pattern: index, in: bytes, scratch: scratch, data: data) {
                        best = index
                        break
                    }
                    return best > 0
                }
            } else {
                Guardian.forEachDistinctString(in: request) { bytes in
                    for index in 0..<best where patterns[index].regex.matches(bytes, using: data) {
                        best = index
                        break
                    }
                    return best > 0
                }
            }
            if best < patterns.count { return .blocked(reason: patterns[best].reason) }
        }

        if let fieldRules = rules[request.funcname] {
            for rule in fieldRules where !rule.passes(rule.value(in: request)) {
                return .blocked(reason: rule.reason)
            }
        }
        return .approved
    }

    /// Bodies larger than this are judged on ``offloadQueue`` rather than on the calling thread.
    public static let offloadThreshold = 16 << 10

    /// Where ``judge(_:)`` runs large checks: Dispatch's own threads, never Swift's cooperative
    /// pool or the event loops that serve HTTP, so one slow check cannot stall `/healthz` or
    /// other tasks.
    private static let offloadQueue = DispatchQueue(label: "beekeeper.guardian", qos: .userInitiated, attributes: .concurrent)

    /// ``check(_:)`` for async callers: inline for small requests (where a thread hop would cost
    /// more than the check), on a Dispatch queue for bodies over ``offloadThreshold`` bytes.
    public func judge(_ request: GuardianRequest) async -> GuardianDecision {
        guard request.payloadBytes > Guardian.offloadThreshold, request.payloadBytes <= maxPayloadBytes else {
            return check(request)
        }
        return await BlockingWork.run(on: Guardian.offloadQueue) { self.check(request) }
    }
}
