import PCRE2
import Testing

@Suite struct PCRE2RegexTests {
    @Test func matchesAnywhereAndWhole() throws {
        let anywhere = try PCRE2Regex("b+")
        #expect(try anywhere.matches("abbbc"))
        #expect(try !anywhere.matches("ac"))
        #expect(try !anywhere.matches(""))
        let whole = try PCRE2Regex("b+", wholeMatch: true)
        #expect(try whole.matches("bbb"))
        #expect(try !whole.matches("abbb"))
        #expect(try !whole.matches("bbbc"))
        // A top-level alternation is still anchored as a whole.
        #expect(try !PCRE2Regex("a|b", wholeMatch: true).matches("ab"))
    }

    @Test func patternsCarryTheirOwnFlags() throws {
        #expect(try PCRE2Regex("(?i)drop table").matches("DROP TABLE x"))
        #expect(try !PCRE2Regex("drop table").matches("DROP TABLE x"))
    }

    @Test func unicodeClassesAndLineTerminatorsFollowICU() throws {
        // \s and \w are Unicode-aware (PCRE2_UCP), as in ICU.
        #expect(try PCRE2Regex(#"drop\s+table"#).matches("drop\u{00A0}table"))
        #expect(try PCRE2Regex(#"^\w+$"#).matches("Müller"))
        // $ matches before any final line terminator (PCRE2_NEWLINE_ANY), as in ICU.
        #expect(try PCRE2Regex(#"x$"#).matches("x\r"))
        #expect(try PCRE2Regex(#"x$"#).matches("x\u{2028}"))
    }

    @Test func invalidPatternIsATypedCompileError() {
        do {
            _ = try PCRE2Regex("a(")
            Issue.record("expected a compile error")
        } catch {
            guard case .compile(let offset) = error.code else {
                Issue.record("expected .compile, got \(error)")
                return
            }
            #expect(offset == 2)
            #expect(error.message.contains("missing closing parenthesis"))
        }
        #expect(throws: PCRE2Error.self) { try PCRE2Regex("a\\") }
    }

    @Test func backtrackingStopsAtTheMatchLimit() throws {
        // Nested quantifiers on a failing subject: exponential without a limit.
        let regex = try PCRE2Regex(#"^(a+)+$"#, limits: PCRE2Limits(matchLimit: 1_000))
        do {
            _ = try regex.matches(String(repeating: "a", count: 40) + "b")
            Issue.record("expected the match limit")
        } catch {
            #expect(error.code == .matchLimit)
            #expect(error.isLimit)
        }
    }

    @Test func oneRegexManyThreads() async throws {
        let regex = try PCRE2Regex(#"(?i)\bunion\s+select\b"#)
        let verdicts = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let data = PCRE2MatchData()
                    let text = index.isMultiple(of: 2) ? "1 UNION SELECT x" : "a union of selected members"
                    return (0..<200).allSatisfy { _ in (try? regex.matches(text, using: data)) == index.isMultiple(of: 2) }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(verdicts.count == 64 && verdicts.allSatisfy { $0 })
    }
}
