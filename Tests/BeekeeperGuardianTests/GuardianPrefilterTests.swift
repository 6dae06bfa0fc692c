import BeekeeperConfig
import BeekeeperCore
@testable import BeekeeperGuardian
import PCRE2
import Testing

/// The prefilter's pattern analysis on its own: what it parses, the gates and anchors it derives,
/// and where it gives up. (That the verdicts never change is GuardianDifferentialTests' job.)
@Suite struct GuardianPrefilterTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func only(_ pattern: String) -> PatternAnalysis.Alternative {
        let analysis = PatternAnalysis(pattern: pattern)
        #expect(analysis.alternatives.count == 1, "\(pattern)")
        return analysis.alternatives[0]
    }

    @Test func aWordBoundaryThenALiteralAnchorsOnTheLiteral() {
        let alternative = Self.only(#"(?i)\brm\s+(?:-{1,2}[a-z-]+\s+){0,8}--(?:recursive|force)\b"#)
        #expect(alternative.anchor == .init(literals: [Self.bytes("rm")], atSubjectStart: false))
        #expect(alternative.startsAtWordBoundary)
        #expect(alternative.gate == .and([.literal(Self.bytes("rm")), .or([.literal(Self.bytes("--force")), .literal(Self.bytes("--recursive"))])]))
    }

    @Test func caselessLiteralsAreLowercasedAndCaseSensitiveOnesToo() {
        // The scanner folds ASCII case, so a case-sensitive literal is looked for lowercased as well.
        #expect(Self.only("(?i)DROP").anchor?.literals == [Self.bytes("drop")])
        #expect(Self.only("DROP").anchor?.literals == [Self.bytes("drop")])
        // A non-ASCII literal is its bytes when case matters, unknown under (?i).
        #expect(Self.only("Ωx").anchor?.literals == [Self.bytes("Ωx")])
        #expect(Self.only("(?i)Ωx").anchor == nil)
        #expect(Self.only("(?i)Ωx").gate == .literal(Self.bytes("x")))
    }

    @Test func startOfSubjectMakesOffsetZeroACandidate() {
        let alternative = Self.only(#"(?:^|[;&|])\s*init\s+[06]\s*(?:$|[;&|])"#)
        #expect(alternative.anchor == .init(literals: [Self.bytes("&"), Self.bytes(";"), Self.bytes("|")], atSubjectStart: true))
        #expect(alternative.gate == .and([.literal(Self.bytes("init")), .or([.literal(Self.bytes("0")), .literal(Self.bytes("6"))])]))
        #expect(!alternative.startsAtWordBoundary)
    }

    @Test func optionalPrefixesAreMultipliedOut() {
        // `(?:/usr)?/bin/`: every match is one of six strings, so those are the anchors; the gate
        // keeps the three that the other three contain.
        let alternative = Self.only(#"(?:/usr)?/bin/(?:ba|z)?sh\b"#)
        let shells = ["/bin/bash", "/bin/sh", "/bin/zsh", "/usr/bin/bash", "/usr/bin/sh", "/usr/bin/zsh"]
        #expect(alternative.anchor == .init(literals: shells.map(Self.bytes), atSubjectStart: false))
        // With something unknown after the optional part, the anchors stop there.
        #expect(Self.only(#"(?:/usr)?/bin/\w"#).anchor == .init(literals: [Self.bytes("/bin/"), Self.bytes("/usr/bin/")], atSubjectStart: false))
        #expect(alternative.gate == .or(["/bin/bash", "/bin/sh", "/bin/zsh"].map { .literal(Self.bytes($0)) }))
        // A \s in the class before it leaves no anchor, but the gate still needs the literals.
        let open = Self.only(#"(?:^|[\s'"=;&|])(?:/usr)?/bin/(?:ba|z)?sh\b"#)
        #expect(open.anchor == nil)
        #expect(open.gate == .or(["/bin/bash", "/bin/sh", "/bin/zsh"].map { .literal(Self.bytes($0)) }))
    }

    @Test func classesAreExpandedOnlyWhenTinyAndASCII() {
        #expect(Self.only(#"['"]x"#).anchor?.literals == [Self.bytes("\"x"), Self.bytes("'x")])
        #expect(Self.only(#"[/\\]\.\."#).anchor?.literals == [Self.bytes("/.."), Self.bytes("\\..")])
        for pattern in [#"\sx"#, #"\wx"#, #"\dx"#, ".x", "[^a]x", "[a-z]x", "[abcde]x", "[aé]x", #"\p{L}x"#] {
            #expect(Self.only(pattern).anchor == nil, "\(pattern)")
            #expect(Self.only(pattern).gate == .literal(Self.bytes("x")), "\(pattern)")
        }
    }

    @Test func lookaroundIsZeroWidthAndBackreferencesAreAnything() {
        let alternative = Self.only(#"\.\.(?<![.\w]\.\.)[/\\]"#)
        #expect(alternative.anchor?.literals == [Self.bytes("../"), Self.bytes("..\\")])
        let tautology = Self.only(#"\b(?:or|and)\s+(?<n>\d+)\s*=\s*\k<n>\b"#)
        #expect(tautology.anchor?.literals == [Self.bytes("and"), Self.bytes("or")])
        #expect(tautology.gate == .and([.or([.literal(Self.bytes("and")), .literal(Self.bytes("or"))]), .literal(Self.bytes("="))]))
    }

    @Test func repetitionsKeepOnlyWhatEveryMatchHas() {
        #expect(Self.only("(?:ab)+c").anchor?.literals == [Self.bytes("ab")])
        #expect(Self.only("(?:ab)+c").gate == .and([.literal(Self.bytes("ab")), .literal(Self.bytes("c"))]))
        #expect(Self.only("(?:ab)*c").anchor == nil)
        #expect(Self.only("(?:ab)*c").gate == .literal(Self.bytes("c")))
        #expect(Self.only("x{0,3}").gate == .always)
        #expect(Self.only("x{0,3}").anchor == nil)
        // A bounded repeat of a small exact set is multiplied out: `\.{4}` needs "....".
        #expect(Self.only("a{2}b").anchor?.literals == [Self.bytes("aab")])
        #expect(Self.only(#"\.{4}[/\\]"#).gate == .or([.literal(Self.bytes("..../")), .literal(Self.bytes("....\\"))]))
        #expect(Self.only(#"(?:a|b){2,5}c"#).anchor?.literals == ["aa", "ab", "ba", "bb"].map(Self.bytes))
        #expect(Self.only(#"(?:a|b){2,5}c"#).gate == .and([.or(["aa", "ab", "ba", "bb"].map { .literal(Self.bytes($0)) }), .literal(Self.bytes("c"))]))
    }

    /// An alternative wakes up on the literals of its rarest-looking AND part: `<` rather than the
    /// `on` of every "subscription", the separators rather than `id`.
    @Test func triggersComeFromTheMostSelectivePart() {
        let handler = Self.only(#"<[a-z][^>]{0,200}[\s/"']on[a-z]+\s*="#)
        #expect(handler.gate == .and([.literal(Self.bytes("<")), .literal(Self.bytes("on")), .literal(Self.bytes("="))]))
        #expect(handler.gate.triggers == [Self.bytes("<")])
        #expect(Self.only("(?:;|&)\\s*id").gate.triggers == [Self.bytes("&"), Self.bytes(";")])
        #expect(Self.only("abc\\s*;").gate.triggers == [Self.bytes(";")])
        #expect(Self.only("abcdef\\s*;").gate.triggers == [Self.bytes("abcdef")])
        #expect(LiteralFormula.always.triggers == nil)
        #expect(LiteralFormula.or([.literal(Self.bytes("x")), .always]).triggers == nil)
    }

    @Test func theAnyOfShapeSplitsIntoAlternatives() throws {
        let pattern = try #require(Guardian.defaultPatterns.first { $0.id == "xxe" }).regex
        let analysis = PatternAnalysis(pattern: pattern)
        #expect(analysis.caseless)
        #expect(analysis.unsupported == nil)
        // anyOf puts the `\b` alternatives first, in one `\b(?:...)` (here only one of them).
        #expect(analysis.alternatives.map(\.source) == [
            #"(?i)\b(?:system\s+['"](?:file|https?|ftp|php|expect|jar|netdoc|gopher|data|zip):)"#,
            #"(?i)<!entity\b"#, #"(?i)<!doctype\s[^>]{0,500}\["#, #"(?i)<!doctype\s[^>]{0,500}\b(?:system|public)\s+['"]"#,
            #"(?i)<xi:include\b"#,
        ])
        #expect(analysis.alternatives[2].anchor?.literals == [Self.bytes("<!doctype")])
        #expect(analysis.alternatives[2].gate == .and([.literal(Self.bytes("<!doctype")), .literal(Self.bytes("["))]))
        #expect(analysis.alternatives[0].startsAtWordBoundary)
        #expect(analysis.alternatives[0].anchor?.literals == [Self.bytes("system")])
        // The `\b(?:A|B)` group of a larger pattern is distributed over its branches.
        let shell = PatternAnalysis(pattern: Guardian.defaultPatterns[0].regex)
        #expect(shell.alternatives.first?.source == #"(?i)\b(?:rm\s+(?:-{1,2}[a-z-]+\s+){0,8}-[a-z]{0,8}(?:r[a-z]{0,8}f|f[a-z]{0,8}r)[a-z]{0,8}\b)"#)
        #expect(shell.alternatives.count == 16)
    }

    @Test func everyDefaultAlternativeIsAnalysedAndCompilesAnchored() throws {
        for pattern in Guardian.defaultPatterns {
            let analysis = PatternAnalysis(pattern: pattern.regex)
            #expect(analysis.unsupported == nil, "\(pattern.id): \(String(describing: analysis.unsupported))")
            #expect(analysis.alternatives.count > 1, "\(pattern.id)")
            for alternative in analysis.alternatives {
                #expect(alternative.anchor != nil || alternative.gate != .always, "\(pattern.id): \(alternative.source) is neither anchored nor gated")
                _ = try PCRE2Regex(alternative.source, anchored: alternative.anchor != nil)
            }
        }
    }

    @Test func whatTheParserDoesNotKnowIsMatchedWhole() {
        for pattern in [#"(a)\1"#, #"(?x) a b"#, #"a(?i)b"#, #"(?|(a)|(b))"#, #"\Qa.b\E"#, #"a\Kb"#, #"(*UTF)a"#, #"a{,3}"#, #"(?(1)a|b)"#, #"(?1)"#] {
            let analysis = PatternAnalysis(pattern: pattern)
            #expect(analysis.unsupported != nil, "\(pattern)")
            #expect(analysis.alternatives == [.init(source: pattern, gate: .always, anchor: nil, startsAtWordBoundary: false)], "\(pattern)")
        }
    }

    @Test func aBranchThatDoesNotCompileAloneKeepsThePatternWhole() throws {
        // The backreference in the second branch names a group of the first one.
        let pattern = #"(?<x>ab)c|d\k<x>"#
        let engine = PatternEngine(patterns: [pattern], wholePatterns: [try PCRE2Regex(pattern)])
        #expect(engine.analyses[0].alternatives.map(\.source) == [pattern])
        #expect(engine.alternatives.count == 1)
        #expect(engine.analyses[0].alternatives[0].anchor?.literals == [Self.bytes("abc"), Self.bytes("d")])
    }

    /// The automaton finds every occurrence of every literal, ASCII case folded, overlapping ones
    /// included (checked against a naive search).
    @Test func theAutomatonFindsEveryOccurrence() {
        let literals = ["he", "she", "his", "hers", "/", "//", "é", "\u{212A}"].map(Self.bytes)
        let automaton = LiteralAutomaton(literals: literals)
        let text = Self.bytes("USHERS said: //é/ his \u{212A}elvin SHE")
        var found: Set<[Int]> = []
        var state: UInt32 = 0
        for (index, byte) in text.enumerated() {
            let entry = automaton.table[Int(state) + Int(automaton.classes[Int(byte)])]
            state = entry & ~LiteralAutomaton.outputFlag
            let row = Int(state) / automaton.classCount
            #expect((entry & LiteralAutomaton.outputFlag != 0) == (automaton.outputStarts[row] != automaton.outputStarts[row + 1]))
            for slot in Int(automaton.outputStarts[row])..<Int(automaton.outputStarts[row + 1]) { found.insert([Int(automaton.outputs[slot]), index + 1]) }
        }
        let lowered = text.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        var expected: Set<[Int]> = []
        for (id, literal) in literals.enumerated() {
            for end in literal.count...lowered.count where Array(lowered[(end - literal.count)..<end]) == literal { expected.insert([id, end]) }
        }
        #expect(found == expected)
        #expect(!found.isEmpty)
    }

    /// Every code point that PCRE2, with the Guardian's options, matches caselessly to an ASCII
    /// letter, found by brute force: it must be in ``PatternEngine/caselessHazards``, or the ASCII
    /// scanner would miss a literal PCRE2 sees.
    @Test func caselessHazardsAreComplete() throws {
        let data = PCRE2MatchData()
        var scalars: [Unicode.Scalar] = []
        for value in UInt32(0x80)...0x10_FFFF {
            if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
        }
        // Chunks of 4,096 characters, then one by one inside a chunk that matches.
        let chunks = stride(from: 0, to: scalars.count, by: 4_096).map { start in
            let chunk = scalars[start..<min(start + 4_096, scalars.count)]
            return (chunk, String(String.UnicodeScalarView(chunk)))
        }
        var found: Set<Unicode.Scalar> = []
        for letter in "abcdefghijklmnopqrstuvwxyz" {
            let regex = try PCRE2Regex("(?i)" + String(letter))
            for (chunk, text) in chunks where try regex.matches(text, using: data) {
                for scalar in chunk where try regex.matches(String(scalar), using: data) { found.insert(scalar) }
            }
        }
        #expect(found == Set(PatternEngine.caselessHazards))
    }
}
