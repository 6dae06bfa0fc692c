import BeekeeperConfig
import BeekeeperCore
@testable import BeekeeperGuardian
import Foundation
import PCRE2
import Testing

/// The Guardian's verdict per pattern equals PCRE2's verdict for that pattern alone, over a
/// deterministic corpus of more than 10,000 strings; and hostile input stays bounded.
@Suite struct GuardianDifferentialTests {
    /// splitmix64: the same corpus on every run.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    static let fragments: [String] = [
        "rm", "-rf", "-fr", "--no-preserve-root", "/", "~", "*", "$HOME", "mkfs.ext4", "dd", "if=/dev/zero", "of=/dev/sda",
        ":(){ :|:& };:", "chmod", "777", "chown -R", "shutdown", "reboot", "now", "+5", "systemctl", "init 0", "sudo",
        "DROP", "TABLE", "drop database", "schema", "if exists", "cascade", "truncate", "delete from", "alter table", "users",
        "\"public\".\"users\"", "[dbo].[t]", ";", "--", "#", "/*", "*/", "/*!50000", "'", "\"", ")", "((", "OR", "or", "||", "AND",
        "1=1", "'1'='1", "'a'='a'", "2=2", "true", "not false", "null", "union", "all", "select", "*", "@@version", "pg_sleep(5)",
        "sleep(3)", "benchmark(1000", "waitfor delay '", "exec xp_cmdshell", "xp_cmdshell", "into outfile '", "load_file(",
        "information_schema.tables", "from pg_catalog", "char(65,66,67)", "$(", "`", "id", "whoami", "uname -a", "bash -i",
        "sh", "curl http://evil.example", "wget", "nc -e", "10.0.0.1 4444", "cat /etc/passwd", "python3 -c", "ping -c",
        "nslookup x", "powershell", "cmd.exe /c", "base64 -d", "%0a", "%3b", "&&", "|", "&", "/dev/tcp/", "/bin/sh", "${IFS}",
        "..", "../", "..\\", "....//", "%2e%2e%2f", "%252e%252e%255c", "%c0%ae%c0%ae/", "/proc/self/environ", "c:\\windows\\",
        "windows/system32", "boot.ini", "eval(", "exec (", "'x'", "__import__(", "__globals__", "os.system", "subprocess.run",
        "Runtime.getRuntime(", "java.lang.Runtime", "new ProcessBuilder(", "child_process", "require('vm')", "new Function(",
        "<script>", "</script", "javascript:alert(1)", "javascript: 5 years", "vbscript:", "data:text/html", "<img src=x onerror=",
        "${jndi:ldap://x}", "{{ config }}", "{{self._TemplateReference__context}}", "<?php", "system('", "pickle.loads",
        "base64_decode(", "<!ENTITY", "<!DOCTYPE foo [", "SYSTEM \"file:///etc/passwd\"", "<xi:include", "\\", "\\x00", "\\u0027",
        "\\'", "%27", "%u002e", "\n", "\r", "\r\n", "\t", " ", "  ", "\u{00A0}", "\u{2028}", "\u{0085}", "é", "ß", "İ", "K", "ſ",
        "😀", "日本語", "Ω", "O'Brien", "and/or", "select a plan", "Room rm 4", "the drop in churn", "...", "…",
    ]

    static let prose: [String] = [
        "The quarterly revenue report shows a steady increase in subscriptions across all regions.",
        "Please select a plan that fits your team and update the billing address before Friday.",
        "O'Brien and/or the finance team will review the drop in churn for the enterprise tier.",
        "Meeting notes: migrate the reporting jobs, rm the old dashboards from the wiki, and archive Q2.",
        "Invoices are generated on the first business day and paid automatically by card or transfer.",
        "Net revenue retention rose to 112% while gross margin held at 78% despite higher hosting costs.",
        "Déjà vu: the café's naïve résumé — señor Müller’s “quotes” and 'single' ones.",
    ]

    static let corpus: [String] = {
        var random = Random(state: 0x6775_6172_6469_616E)
        var strings: [String] = GuardianPatternTests.hostile.map(\.text) + GuardianPatternTests.benign
        // Attack-like strings: fragments joined by random separators.
        let separators = ["", " ", "  ", "\t", "\n", "\u{00A0}", ";", "'", "\"", ")", "/", "\\", "%20"]
        for _ in 0..<5_000 {
            var text = ""
            for _ in 0..<(1 + random.below(6)) {
                text += random.pick(fragments) + random.pick(separators)
            }
            strings.append(random.below(4) == 0 ? text.uppercased() : text)
        }
        // Business prose with fragments spliced in.
        for _ in 0..<2_500 {
            var text = random.pick(prose)
            if random.below(2) == 0 {
                let words = text.split(separator: " ", omittingEmptySubsequences: false)
                let at = random.below(words.count)
                text = (words[..<at] + [Substring(random.pick(fragments))] + words[at...]).joined(separator: " ")
            }
            strings.append(text)
        }
        // Random Unicode scalars, biased towards ASCII punctuation and letters.
        for _ in 0..<2_000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<random.below(40) {
                let value: UInt32 =
                    switch random.below(4) {
                    case 0: UInt32(0x20 + random.below(0x5F))
                    case 1: UInt32(random.below(0x80))
                    case 2: UInt32(0x80 + random.below(0x3000))
                    default: UInt32(random.below(0x1_0000))
                    }
                if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
            }
            strings.append(String(scalars))
        }
        // Quotes and parentheses before long runs of whitespace (the backtracking traps).
        for _ in 0..<200 {
            let opener = random.pick(["'", "\"", "')", "' ", "x'", "1'"])
            let middle = random.pick(["", ")", "))", " or", " OR ", " and (", " ||", ";", " --"])
            strings.append(opener + String(repeating: " ", count: random.below(300)) + middle + String(repeating: random.pick([" ", "\t", "("]), count: random.below(50)) + random.pick(["1=1", "'a'='a", "x", "true", "--", ""]))
        }
        // Invalid-looking escapes and encodings.
        let escapes = ["\\x", "\\u", "\\u00", "\\x2e\\x2e/", "%", "%%", "%2", "%zz", "%2e%2", "&#39;", "&#x27;", "\\\\", "\\0", "%00", "\\N{", "\\k<n>"]
        for _ in 0..<1_000 {
            var text = ""
            for _ in 0..<(1 + random.below(5)) {
                text += random.pick(escapes) + (random.below(2) == 0 ? random.pick(fragments) : "")
            }
            strings.append(text)
        }
        strings += prefilterStress(&random)
        return strings
    }()

    /// Strings aimed at the prefilter's assumptions: anchors at the very start and end, non-ASCII
    /// characters around `\b`, the non-ASCII letters that match ASCII ones caselessly (KELVIN SIGN
    /// for k, LONG S for s), and multi-byte characters next to and inside anchor literals.
    static func prefilterStress(_ random: inout Random) -> [String] {
        let attacks = GuardianPatternTests.hostile.map(\.text) + fragments.filter { $0.count > 1 }
        let neighbours = ["é", "日", "😀", "\u{00A0}", "\u{2028}", "\u{0301}", "ſ", "\u{212A}", "K", "_", "x", "1", "'", " ", ""]
        var strings: [String] = []
        for attack in attacks {
            // At the start and at the end of the string, and alone.
            strings += [attack, attack + random.pick(neighbours), random.pick(neighbours) + attack]
            // A non-ASCII or word character right before and after (\b sees it).
            strings.append(random.pick(neighbours) + random.pick(neighbours) + attack + random.pick(neighbours))
            // s and k replaced by their caseless non-ASCII twins.
            let twins = attack.replacingOccurrences(of: "s", with: "ſ").replacingOccurrences(of: "k", with: "\u{212A}")
                .replacingOccurrences(of: "S", with: "ſ").replacingOccurrences(of: "K", with: "\u{212A}")
            if twins != attack { strings += [twins, "ok " + twins, twins.uppercased()] }
            // A multi-byte character inserted at a random place (splitting an anchor literal).
            var scalars = Array(attack.unicodeScalars)
            let at = random.below(scalars.count + 1)
            scalars.insert(random.pick(["é", "日", "😀", "\u{0301}", "\u{2028}"]), at: at)
            strings.append(String(String.UnicodeScalarView(scalars)))
        }
        return strings
    }

    @Test func corpusIsLargeEnough() {
        #expect(Self.corpus.count >= 10_000)
    }

    @Test func verdictPerPatternEqualsPCRE2Alone() throws {
        let data = PCRE2MatchData()
        let full = try Guardian(configuration: GuardianConfig(), knownFuncnames: ["echo"])
        let unfiltered = try Guardian(configuration: GuardianConfig(), knownFuncnames: ["echo"], prefilter: false)
        var singles: [(id: String, guardian: Guardian, regex: PCRE2Regex)] = []
        for pattern in Guardian.defaultPatterns {
            var configuration = GuardianConfig()
            configuration.patterns = .custom([pattern])
            singles.append((pattern.id, try Guardian(configuration: configuration, knownFuncnames: ["echo"]), try PCRE2Regex(pattern.regex)))
        }
        var mismatches: [String] = []
        var blocked = 0
        for text in Self.corpus {
            let request = GuardianRequest(funcname: "echo", args: [.string(text)], kwargs: [:], payloadBytes: text.utf8.count + 40)
            var first: String?
            for single in singles {
                // A limit counts as a match (the Guardian fails closed).
                let expected = (try? single.regex.matches(text, using: data)) ?? true
                let verdict = single.guardian.check(request) == .blocked(reason: "pattern:" + single.id)
                if verdict != expected { mismatches.append("\(single.id): \(text.debugDescription)") }
                if expected, first == nil { first = single.id }
            }
            let decision = full.check(request)
            if decision != (first.map { .blocked(reason: "pattern:" + $0) } ?? .approved) {
                mismatches.append("full set: \(text.debugDescription) -> \(decision)")
            }
            if decision != unfiltered.check(request) { mismatches.append("full set vs no prefilter: \(text.debugDescription)") }
            if first != nil { blocked += 1 }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
        // Both verdicts occur often enough for the comparison to mean something.
        #expect(blocked > 1_000 && blocked < Self.corpus.count - 1_000)
    }

    /// Custom patterns take the same path: fixed ones in the shapes the analysis handles (and some
    /// it refuses), and random regexes from a small grammar, each compared with PCRE2 alone over
    /// random strings of the characters they are built from.
    @Test func customPatternsEqualPCRE2Alone() throws {
        var random = Random(state: 0x6375_7374_6F6D)
        let fixed = [
            #"(?i)(?:\b(?:kill|sudo\s+su)|/etc/shadow|^\s*halt$)"#, #"(?i)\bsecret[_-]?key\b"#, #"token=[a-f0-9]{8}"#,
            #"(?<w>ab)c|x\k<w>"#, #"(a)\1"#, #"DROP|drop"#, "(?i)ſ|\u{212A}", #"Ωmega|(?i)x"#, #"^$"#, #"\Bss"#, #"(?=ks)k"#,
            #"(?<=é)s"#, #"[ks]{2}"#, "(?i)[/\\\\]kk", #"(?i)x{0,2}"#, #"(?i)(?:a|b)*c"#,
        ]
        let atoms = ["a", "b", "k", "s", "K", "é", "/", "'", "-", "ab", "sk", "[ab]", "[/\\\\]", #"\s"#, #"\w"#, ".", "[^a]", #"\d"#, "ſ"]
        let zeroWidth = ["^", "$", #"\b"#, #"\B"#, "(?=a)", "(?<=b)", "(?!s)"]
        let quantifiers = ["", "", "", "?", "*", "+", "{1,3}", "*+", "??", "{2}"]
        func regex(depth: Int) -> String {
            var items: [String] = []
            for _ in 0..<(1 + random.below(4)) {
                switch random.below(depth > 2 ? 4 : 6) {
                case 0: items.append(random.pick(zeroWidth))
                case 4, 5:
                    let branches = (0..<(1 + random.below(3))).map { _ in regex(depth: depth + 1) }
                    items.append(random.pick(["(?:", "(", "(?>"]) + branches.joined(separator: "|") + ")" + random.pick(quantifiers))
                default: items.append(random.pick(atoms) + random.pick(quantifiers))
                }
            }
            return items.joined()
        }
        let generated = (0..<150).map { _ in (random.below(2) == 0 ? "(?i)" : "") + (random.below(3) == 0 ? #"\b(?:"# + regex(depth: 1) + "|" + regex(depth: 1) + ")" : regex(depth: 0)) }
        let alphabet = ["a", "b", "k", "s", "A", "B", "K", "S", "é", "É", "/", "\\", "'", "-", " ", "ſ", "\u{212A}", "日", "_", "1", "x", "c", "\n"]
        let texts = (0..<250).map { _ in (0..<random.below(14)).map { _ in random.pick(alphabet) }.joined() }
            + ["", "kill -9 1", "/etc/shadow", "  halt", "SECRET_KEY", "token=deadbeef", "abcxab", "aa", "ſ", "\u{212A}", "ks", "és"]
        let data = PCRE2MatchData()
        var mismatches: [String] = []
        var matched = 0
        var checked = 0
        for pattern in fixed + generated {
            guard let regex = try? PCRE2Regex(pattern) else { continue }
            let engine = PatternEngine(patterns: [pattern], wholePatterns: [regex])
            let scratch = engine.makeScratch()
            for var text in texts {
                let expected = (try? regex.matches(text, using: data)) ?? true
                let verdict = text.withUTF8 { bytes in
                    engine.scan(bytes, into: scratch)
                    return engine.matches(pattern: 0, in: bytes, scratch: scratch, data: data)
                }
                if verdict != expected { mismatches.append("\(pattern) on \(text.debugDescription): \(verdict)") }
                if expected { matched += 1 }
                checked += 1
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(8))")
        #expect(checked > 30_000 && matched > 3_000 && matched < checked - 3_000, "\(checked) checked, \(matched) matched")
        // The fixed ones also through a Guardian, as configured patterns.
        var configuration = GuardianConfig()
        configuration.patterns = .custom(fixed.enumerated().map { GuardianConfig.Pattern(id: "p\($0.offset)", regex: $0.element) })
        let guardian = try Guardian(configuration: configuration, knownFuncnames: ["echo"])
        let unfiltered = try Guardian(configuration: configuration, knownFuncnames: ["echo"], prefilter: false)
        for text in texts {
            let request = GuardianRequest(funcname: "echo", args: [.string(text)], kwargs: [:], payloadBytes: text.utf8.count + 40)
            #expect(guardian.check(request) == unfiltered.check(request), "\(text.debugDescription)")
        }
    }

    /// Ten strings of a quote and ~4,900 spaces (48 KiB), which made ICU backtrack quadratically
    /// in sql_injection for 13 s: every default pattern finishes without reaching a PCRE2 limit,
    /// and the text is approved. (Speed is measured in `beekeeper-bench guardian-check`.)
    @Test func quoteAndSpacesFinishWithinTheLimits() throws {
        let guardian = try Guardian(configuration: GuardianConfig(), knownFuncnames: ["echo"])
        let hostile = ["'", "\"", "' or", "') ", "'and", "x' OR"].flatMap { opener in
            [4_900, 100].map { opener + String(repeating: " ", count: $0) + "1" }
        }
        let data = PCRE2MatchData()
        for pattern in Guardian.defaultPatterns {
            let regex = try PCRE2Regex(pattern.regex)
            for text in hostile {
                #expect(throws: Never.self, "\(pattern.id) on \(text.prefix(8).debugDescription)…") { _ = try regex.matches(text, using: data) }
            }
        }
        let strings = (0..<10).map { index in JSONValue.string("'" + String(repeating: " ", count: 4_900) + "\(index)") }
        #expect(guardian.check(GuardianRequest(funcname: "echo", args: .array(strings), kwargs: [:], payloadBytes: 49_500)) == .approved)
    }

    /// The possessive runs of sql_injection decide exactly as the backtracking ones they replaced.
    @Test func possessiveSQLInjectionEqualsTheOriginal() throws {
        let current = Guardian.defaultPatterns.first { $0.id == "sql_injection" }!.regex
        let original = current.replacingOccurrences(of: #"\s*+\){0,4}+\s*+"#, with: #"\s*\){0,4}\s*"#)
            .replacingOccurrences(of: #"\s++\(*+\s*+"#, with: #"\s+\(*\s*"#)
        #expect(original != current)
        let new = try PCRE2Regex(current)
        let old = try PCRE2Regex(original, limits: PCRE2Limits(matchLimit: 10_000_000))
        let data = PCRE2MatchData()
        var differences: [String] = []
        for text in Self.corpus + ["' or  x =", "')   OR  ( 'a'='a", "'  ))))  or 1=1", "' )))))or 1=1", "'  and  ( 1 = 1", "'   --", "' ) ;  --"] {
            if try new.matches(text, using: data) != old.matches(text, using: data) { differences.append(text.debugDescription) }
        }
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    /// A custom pattern that backtracks exponentially reaches the match limit: the Guardian blocks.
    @Test func aMatchThatReachesALimitBlocks() throws {
        var configuration = GuardianConfig()
        configuration.patterns = .custom([GuardianConfig.Pattern(id: "nested", regex: #"^(a+)+$"#)])
        let guardian = try Guardian(configuration: configuration, knownFuncnames: ["echo"])
        let text = String(repeating: "a", count: 40) + "b"
        #expect(throws: PCRE2Error.self) { _ = try PCRE2Regex(#"^(a+)+$"#).matches(text) }
        #expect(guardian.check(GuardianRequest(funcname: "echo", args: [.string(text)], kwargs: [:], payloadBytes: 60)) == .blocked(reason: "pattern:nested"))
        #expect(guardian.check(GuardianRequest(funcname: "echo", args: [.string("aaaa")], kwargs: [:], payloadBytes: 30)) == .blocked(reason: "pattern:nested"))
        #expect(guardian.check(GuardianRequest(funcname: "echo", args: [.string("b")], kwargs: [:], payloadBytes: 30)) == .approved)
    }

    @Test func largeBodiesAreJudgedOffTheCallersThread() async throws {
        let guardian = try Guardian(configuration: GuardianConfig(), knownFuncnames: ["echo"])
        let text = String(repeating: "Invoices are paid by card or transfer. ", count: 1_000)
        let request = GuardianRequest(funcname: "echo", args: [.string(text)], kwargs: [:], payloadBytes: text.utf8.count + 40)
        #expect(request.payloadBytes > Guardian.offloadThreshold)
        #expect(await guardian.judge(request) == guardian.check(request))
        let attack = GuardianRequest(funcname: "echo", args: [.string(text + "; DROP TABLE users")], kwargs: [:], payloadBytes: text.utf8.count + 60)
        #expect(await guardian.judge(attack) == .blocked(reason: "pattern:sql_destructive"))
    }
}
