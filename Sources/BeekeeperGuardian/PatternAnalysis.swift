/// What the prefilter knows about one pattern: its top-level alternatives, each with a gate (the
/// literals every match contains) and an anchor (the literals every match starts with).
///
/// Splitting the top-level alternation never changes whether a pattern matches somewhere: a match
/// of the whole is a match of one branch at the same place, and the other way round. Only the
/// shape `(?i)(?:A|B|...)`, with `\b(?:A|B)` inside distributed into `\b(?:A)` and `\b(?:B)`, is
/// split; anything else stays one alternative. A pattern the parser does not take is one
/// alternative without gate or anchor: PCRE2 alone, as before the prefilter.
struct PatternAnalysis: Equatable, Sendable {
    /// A set of literals such that every match of the alternative begins with one of them (`^`
    /// makes offset 0 a candidate instead). The bytes are ASCII-lowercased.
    struct Anchor: Equatable, Sendable {
        var literals: [[UInt8]]
        var atSubjectStart: Bool
    }

    struct Alternative: Equatable, Sendable {
        /// The regex of this alternative alone, with the pattern's flags.
        var source: String
        var gate: LiteralFormula
        var anchor: Anchor?
        /// The alternative starts with `\b`, so a candidate between two ASCII word characters
        /// cannot match.
        var startsAtWordBoundary: Bool
    }

    var caseless: Bool
    var alternatives: [Alternative]
    /// Why the parser gave up, when it did.
    var unsupported: RegexSyntax.Unsupported?

    init(pattern: String) {
        caseless = pattern.hasPrefix("(?i)")
        let body = caseless ? String(pattern.dropFirst(4)) : pattern
        let syntax: RegexSyntax
        do {
            syntax = try RegexSyntax.parse(body)
        } catch {
            unsupported = error
            alternatives = [Alternative(source: pattern, gate: .always, anchor: nil, startsAtWordBoundary: false)]
            return
        }
        let flags = caseless ? "(?i)" : ""
        let caseless = caseless
        alternatives = PatternAnalysis.split(syntax, source: body).map { node, source in
            PatternAnalysis.analyse(node, source: flags + source, caseless: caseless)
        }
    }

    /// The pattern as one alternative (used when its split alternatives do not compile alone,
    /// e.g. a backreference to a group in another branch).
    func whole(_ pattern: String) -> PatternAnalysis {
        var copy = self
        let body = caseless ? String(pattern.dropFirst(4)) : pattern
        if let syntax = try? RegexSyntax.parse(body) {
            copy.alternatives = [PatternAnalysis.analyse(syntax, source: pattern, caseless: caseless)]
        } else {
            copy.alternatives = [Alternative(source: pattern, gate: .always, anchor: nil, startsAtWordBoundary: false)]
        }
        return copy
    }

    static func split(_ syntax: RegexSyntax, source: String) -> [(RegexSyntax, String)] {
        var node = syntax
        // A group that is the whole pattern: nothing follows it, so even an atomic group splits.
        while case .group(let inner) = node { node = inner }
        guard case .alternation(let branches, let sources) = node else { return [(syntax, source)] }
        var result: [(RegexSyntax, String)] = []
        for (branch, branchSource) in zip(branches, sources) {
            if case .concatenation(let items) = branch, items.count == 2, items[0] == .wordBoundary,
                case .group(.alternation(let inner, let innerSources)) = items[1]
            {
                for (sub, subSource) in zip(inner, innerSources) {
                    result.append((.concatenation([.wordBoundary, .group(sub)]), #"\b(?:"# + subSource + ")"))
                }
            } else {
                result.append((branch, branchSource))
            }
        }
        return result
    }

    static func analyse(_ node: RegexSyntax, source: String, caseless: Bool) -> Alternative {
        let folding = Folding(caseless: caseless)
        let gate = folding.gate(node).formula
        var anchor: Anchor?
        switch folding.prefix(node) {
        case .exact(let starts), .starts(let starts):
            if !starts.contains(Start(bytes: [], atStart: false)) {
                let literals = Set(starts.filter { !$0.atStart }.map(\.bytes))
                // A literal that begins with another adds no candidate the shorter one misses.
                let minimal = literals.filter { literal in !literals.contains { $0 != literal && literal.starts(with: $0) } }
                anchor = Anchor(literals: minimal.sorted { $0.lexicographicallyPrecedes($1) }, atSubjectStart: starts.contains { $0.atStart })
            }
        case .unknown: break
        }
        var startsAtWordBoundary = false
        if case .concatenation(let items) = node, items.first == .wordBoundary { startsAtWordBoundary = true }
        return Alternative(source: source, gate: gate, anchor: anchor, startsAtWordBoundary: startsAtWordBoundary)
    }

    /// A possible beginning of a match: these bytes, at the start of the subject if `atStart`.
    struct Start: Hashable {
        var bytes: [UInt8]
        var atStart: Bool

        func followed(by next: Start) -> Start {
            Start(bytes: bytes + next.bytes, atStart: atStart || (next.atStart && bytes.isEmpty))
        }
    }

    enum Prefix {
        /// Every match is one of these.
        case exact(Set<Start>)
        /// Every match begins with one of these.
        case starts(Set<Start>)
        case unknown
    }

    enum Gate {
        /// Every match is one of these strings.
        case exact(Set<[UInt8]>)
        case match(LiteralFormula)

        var formula: LiteralFormula {
            switch self {
            case .exact(let strings): LiteralFormula.anyOf(strings)
            case .match(let formula): formula
            }
        }
    }

    /// The literal bytes a character stands for, given the case flag.
    struct Folding {
        var caseless: Bool
        /// Sets larger than this are given up (they would only bloat the automaton).
        static let maxSet = 64
        static let maxGateSet = 16
        static let maxLength = 32

        /// ASCII is lowercased (the scanner folds ASCII case); a non-ASCII character is its
        /// UTF-8 bytes when case matters, and unknown under `(?i)` (its other cases are other bytes).
        func bytes(_ scalar: Unicode.Scalar) -> [UInt8]? {
            if scalar.isASCII {
                let byte = UInt8(scalar.value)
                return [byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte]
            }
            return caseless ? nil : Array(String(scalar).utf8)
        }

        func gate(_ node: RegexSyntax) -> Gate {
            switch node {
            case .empty, .wordBoundary, .assertion, .startOfSubject: return .exact([[]])
            case .literal(let scalar): return bytes(scalar).map { .exact([$0]) } ?? .match(.always)
            case .smallClass(let members): return .exact(Set(members.map { [$0] }))
            case .anyCharacter, .backreference: return .match(.always)
            case .group(let inner): return gate(inner)
            case .alternation(let branches, _):
                let gates = branches.map(gate)
                var union: Set<[UInt8]> = []
                for branchGate in gates {
                    guard case .exact(let strings) = branchGate else { return .match(.any(gates.map(\.formula))) }
                    union.formUnion(strings)
                }
                return union.count <= Folding.maxGateSet ? .exact(union) : .match(.any(gates.map(\.formula)))
            case .concatenation(let items):
                // Runs of exact items multiply into longer literals ("/bin/", not "/" AND "b" AND ...);
                // anything else ends the run, and the runs and the rest are ANDed.
                var parts: [LiteralFormula] = []
                var run: Set<[UInt8]> = [[]]
                var exact = true
                for item in items {
                    switch gate(item) {
                    case .exact(let right):
                        if run.count * right.count <= Folding.maxGateSet,
                            (run.map(\.count).max() ?? 0) + (right.map(\.count).max() ?? 0) <= Folding.maxLength
                        {
                            run = Set(run.flatMap { prefix in right.map { prefix + $0 } })
                        } else {
                            parts.append(.anyOf(run))
                            run = right
                            exact = false
                        }
                    case .match(let formula):
                        parts += [.anyOf(run), formula]
                        run = [[]]
                        exact = false
                    }
                }
                return exact ? .exact(run) : .match(.all(parts + [.anyOf(run)]))
            case .repetition(let inner, let min, let max):
                let innerGate = gate(inner)
                if min == 0 {
                    if max == 1, case .exact(let strings) = innerGate { return .exact(strings.union([[]])) }
                    return .match(.always)
                }
                // `x{n}` and `x{n,m}` of a small exact set: every match holds n copies in a row.
                if case .exact(let strings) = innerGate, let power = Folding.power(strings, min, limit: Folding.maxGateSet, length: \.count, join: +) {
                    return min == max ? .exact(power) : .match(.anyOf(power))
                }
                return min == 1 && max == 1 ? innerGate : .match(innerGate.formula)
            }
        }

        func prefix(_ node: RegexSyntax) -> Prefix {
            switch node {
            case .empty, .wordBoundary, .assertion: return .exact([Start(bytes: [], atStart: false)])
            case .startOfSubject: return .exact([Start(bytes: [], atStart: true)])
            case .literal(let scalar): return bytes(scalar).map { .exact([Start(bytes: $0, atStart: false)]) } ?? .unknown
            case .smallClass(let members): return .exact(Set(members.map { Start(bytes: [$0], atStart: false) }))
            case .anyCharacter, .backreference: return .unknown
            case .group(let inner): return prefix(inner)
            case .alternation(let branches, _):
                var union: Set<Start> = []
                var exact = true
                for branch in branches {
                    switch prefix(branch) {
                    case .unknown: return .unknown
                    case .exact(let starts): union.formUnion(starts)
                    case .starts(let starts):
                        union.formUnion(starts)
                        exact = false
                    }
                }
                guard union.count <= Folding.maxSet else { return .unknown }
                return exact ? .exact(union) : .starts(union)
            case .concatenation(let items):
                var result: Set<Start> = [Start(bytes: [], atStart: false)]
                for item in items {
                    let next = prefix(item)
                    let right: Set<Start>
                    let isExact: Bool
                    switch next {
                    case .unknown: return .starts(result)
                    case .exact(let starts): (right, isExact) = (starts, true)
                    case .starts(let starts): (right, isExact) = (starts, false)
                    }
                    guard result.count * right.count <= Folding.maxSet,
                        (result.map(\.bytes.count).max() ?? 0) + (right.map(\.bytes.count).max() ?? 0) <= Folding.maxLength
                    else { return .starts(result) }
                    result = Set(result.flatMap { start in right.map { start.followed(by: $0) } })
                    if !isExact { return .starts(result) }
                }
                return .exact(result)
            case .repetition(let inner, let min, let max):
                let innerPrefix = prefix(inner)
                let starts: Set<Start>
                switch innerPrefix {
                case .unknown: return .unknown
                case .exact(let set), .starts(let set): starts = set
                }
                if min == 0 {
                    let withEmpty = starts.union([Start(bytes: [], atStart: false)])
                    if max == 1, case .exact = innerPrefix { return .exact(withEmpty) }
                    return .starts(withEmpty)
                }
                if case .exact = innerPrefix, let power = Folding.power(starts, min, limit: Folding.maxSet, length: \.bytes.count, join: { $0.followed(by: $1) }) {
                    return min == max ? .exact(power) : .starts(power)
                }
                return min == 1 && max == 1 ? innerPrefix : .starts(starts)
            }
        }

        /// `strings` concatenated `count` times (every combination), nil if that is more than
        /// `limit` elements or longer than ``maxLength`` bytes.
        static func power<T: Hashable>(_ strings: Set<T>, _ count: Int, limit: Int, length: (T) -> Int, join: (T, T) -> T) -> Set<T>? {
            guard count >= 1, count <= 8 else { return nil }
            let longest = strings.map(length).max() ?? 0
            guard longest * count <= maxLength else { return nil }
            var result = strings
            for _ in 1..<count {
                guard result.count * strings.count <= limit else { return nil }
                result = Set(result.flatMap { left in strings.map { join(left, $0) } })
            }
            return result
        }
    }
}
