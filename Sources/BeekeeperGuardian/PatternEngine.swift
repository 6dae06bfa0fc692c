import PCRE2

/// The Guardian's patterns as one prefiltered set: one Aho-Corasick pass per string finds the
/// literals of every pattern at once, and PCRE2 then runs only where a match can start.
///
/// Per pattern (``PatternAnalysis``), each top-level alternative has its own PCRE2 code. An
/// alternative runs only if the string holds one of its trigger literals and its gate formula is
/// true; an anchored one (compiled with `PCRE2_ANCHORED`) is then tried at each occurrence of an
/// anchor literal (and at offset 0 after `^`), with the whole string as subject so that `\b` and
/// look-behind see the text before. An alternative without an anchor runs unanchored, as the
/// whole pattern did before. None of this changes a verdict: every skipped attempt is one the
/// analysis proves cannot match (GuardianDifferentialTests compare with PCRE2 alone).
///
/// Under `(?i)` with Unicode rules a few non-ASCII characters match ASCII letters (KELVIN SIGN
/// matches `k`); the scanner only folds ASCII, so a string holding one of ``caselessHazards`` is
/// matched with the whole patterns, as before.
final class PatternEngine: @unchecked Sendable {  // immutable after init; `tables` is only read
    indirect enum Gate: Sendable {
        case always
        case literal(Int)
        case and([Gate])
        case or([Gate])
    }

    struct Alternative: Sendable {
        let regex: PCRE2Regex
        /// Tried at candidate offsets; otherwise one unanchored match over the whole string.
        let isAnchored: Bool
        let gate: Gate
        let anchorLiterals: [Int]
        let atSubjectStart: Bool
        let startsAtWordBoundary: Bool
    }

    /// Non-ASCII characters that PCRE2 (UTF + UCP, caseless) matches to an ASCII letter, found by
    /// brute force over every code point (GuardianPrefilterTests): U+017F LATIN SMALL LETTER LONG S
    /// (`s`) and U+212A KELVIN SIGN (`k`).
    static let caselessHazards: [Unicode.Scalar] = ["\u{017F}", "\u{212A}"]

    let wholePatterns: [PCRE2Regex]
    let alternatives: [Alternative]
    let patternAlternatives: [Range<Int>]
    let automaton: LiteralAutomaton
    let literalLengths: [Int]
    /// Per literal, the alternatives it wakes (`maskWords` words each).
    let triggerMasks: [UInt64]
    /// Alternatives that run on every string (no trigger literal).
    let alwaysMask: [UInt64]
    /// Per pattern, its alternatives (`maskWords` words each).
    let patternMasks: [UInt64]
    let maskWords: Int
    /// The scan loop's view of the automaton and the literal tables: raw copies, so that the loop
    /// does no bounds or uniqueness checks (its indices come from the automaton it was built with).
    struct Tables {
        static let anchorFlag: UInt8 = 1
        static let hazardFlag: UInt8 = 2
        let table: UnsafeMutablePointer<UInt32>
        let classes: UnsafeMutablePointer<UInt8>
        let outputStarts: UnsafeMutablePointer<Int32>
        let outputs: UnsafeMutablePointer<Int32>
        let literalFlags: UnsafeMutablePointer<UInt8>
        let literalLengths: UnsafeMutablePointer<Int32>
        let triggerMasks: UnsafeMutablePointer<UInt64>

        static func copy<T>(_ array: [T]) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(1, array.count))
            pointer.initialize(from: array, count: array.count)
            return pointer
        }

        func deallocate() {
            table.deallocate()
            classes.deallocate()
            outputStarts.deallocate()
            outputs.deallocate()
            literalFlags.deallocate()
            literalLengths.deallocate()
            triggerMasks.deallocate()
        }
    }

    let tables: Tables
    /// What the analysis made of each pattern (for tests).
    let analyses: [PatternAnalysis]

    struct BuildError: Error {
        var index: Int
        var message: String
    }

    /// `patterns` are regex sources, each already compiled (as `wholePatterns`) by the caller.
    init(patterns: [String], wholePatterns: [PCRE2Regex]) {
        var literalIDs: [[UInt8]: Int] = [:]
        var literals: [[UInt8]] = []
        func intern(_ bytes: [UInt8]) -> Int {
            if let id = literalIDs[bytes] { return id }
            literalIDs[bytes] = literals.count
            literals.append(bytes)
            return literals.count - 1
        }
        func compile(_ formula: LiteralFormula) -> Gate {
            switch formula {
            case .always: .always
            case .literal(let bytes): .literal(intern(bytes))
            case .and(let parts): .and(parts.map(compile))
            case .or(let parts): .or(parts.map(compile))
            }
        }

        var alternatives: [Alternative] = []
        var triggers: [[Int]?] = []
        var ranges: [Range<Int>] = []
        var analyses: [PatternAnalysis] = []
        var anchorIDs: Set<Int> = []
        for (pattern, whole) in zip(patterns, wholePatterns) {
            var analysis = PatternAnalysis(pattern: pattern)
            var regexes = PatternEngine.compile(analysis)
            if regexes == nil {
                analysis = analysis.whole(pattern)
                regexes = PatternEngine.compile(analysis)
            }
            if regexes == nil {
                analysis.alternatives = [.init(source: pattern, gate: .always, anchor: nil, startsAtWordBoundary: false)]
            }
            analyses.append(analysis)
            let start = alternatives.count
            for (index, alternative) in analysis.alternatives.enumerated() {
                let anchors = alternative.anchor.map { $0.literals.map(intern) } ?? []
                anchorIDs.formUnion(anchors)
                alternatives.append(
                    Alternative(
                        regex: regexes?[index] ?? whole, isAnchored: regexes != nil && alternative.anchor != nil, gate: compile(alternative.gate),
                        anchorLiterals: anchors, atSubjectStart: alternative.anchor?.atSubjectStart ?? false,
                        startsAtWordBoundary: alternative.startsAtWordBoundary))
                if let gateTriggers = alternative.gate.triggers {
                    triggers.append(gateTriggers.map(intern))
                } else if let anchor = alternative.anchor, !anchor.atSubjectStart, regexes != nil {
                    triggers.append(anchors)
                } else {
                    triggers.append(nil)
                }
            }
            ranges.append(start..<alternatives.count)
        }
        var hazardIDs: Set<Int> = []
        if analyses.contains(where: \.caseless) {
            for scalar in PatternEngine.caselessHazards { hazardIDs.insert(intern(Array(String(scalar).utf8))) }
        }

        let maskWords = max(1, (alternatives.count + 63) / 64)
        var triggerMasks = [UInt64](repeating: 0, count: literals.count * maskWords)
        var alwaysMask = [UInt64](repeating: 0, count: maskWords)
        for (index, literalTriggers) in triggers.enumerated() {
            let bit = UInt64(1) << UInt64(index % 64)
            if let literalTriggers {
                for id in literalTriggers { triggerMasks[id * maskWords + index / 64] |= bit }
            } else {
                alwaysMask[index / 64] |= bit
            }
        }
        self.wholePatterns = wholePatterns
        self.alternatives = alternatives
        self.patternAlternatives = ranges
        let automaton = LiteralAutomaton(literals: literals)
        self.automaton = automaton
        self.literalLengths = literals.map(\.count)
        self.triggerMasks = triggerMasks
        self.alwaysMask = alwaysMask
        var patternMasks = [UInt64](repeating: 0, count: ranges.count * maskWords)
        for (pattern, range) in ranges.enumerated() {
            for index in range { patternMasks[pattern * maskWords + index / 64] |= UInt64(1) << UInt64(index % 64) }
        }
        self.patternMasks = patternMasks
        tables = Tables(
            table: Tables.copy(automaton.table), classes: Tables.copy(automaton.classes), outputStarts: Tables.copy(automaton.outputStarts),
            outputs: Tables.copy(automaton.outputs),
            literalFlags: Tables.copy(
                literals.indices.map { (anchorIDs.contains($0) ? Tables.anchorFlag : 0) | (hazardIDs.contains($0) ? Tables.hazardFlag : 0) }),
            literalLengths: Tables.copy(literals.map { Int32($0.count) }), triggerMasks: Tables.copy(triggerMasks))
        self.maskWords = maskWords
        self.analyses = analyses
    }

    /// Each alternative's own code, anchored where it has an anchor; nil if one does not compile
    /// alone (then the pattern is taken whole).
    private static func compile(_ analysis: PatternAnalysis) -> [PCRE2Regex]? {
        var regexes: [PCRE2Regex] = []
        for alternative in analysis.alternatives {
            guard let regex = try? PCRE2Regex(alternative.source, anchored: alternative.anchor != nil) else { return nil }
            regexes.append(regex)
        }
        return regexes
    }

    deinit { tables.deallocate() }

    func makeScratch() -> PatternScratch {
        PatternScratch(literalCount: literalLengths.count, maskWords: maskWords)
    }
}
