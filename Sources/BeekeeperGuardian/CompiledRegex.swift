import PCRE2

/// A compiled PCRE2 pattern (JIT) that may be shared across tasks; each check brings its own
/// ``PCRE2MatchData``.
///
/// PCRE2 rather than `NSRegularExpression` (ICU): ICU's matcher was the largest single cost of
/// the sidecar and backtracks without bound. The options keep ICU's defaults where the two
/// differ (Unicode `\w \d \s \b`, every Unicode line terminator for `$` and `.`), and every match
/// runs under ``PCRE2Limits`` (see ``matches(_:using:)`` for what a limit means).
struct CompiledRegex: Sendable {
    let regex: PCRE2Regex

    struct CompileError: Error {
        var message: String
    }

    /// Compiles `pattern` as written (patterns carry their own flags, such as `(?i)`).
    /// With `wholeMatch`, a match must cover the entire text.
    init(_ pattern: String, wholeMatch: Bool = false) throws(CompileError) {
        do {
            regex = try PCRE2Regex(pattern, wholeMatch: wholeMatch)
        } catch {
            throw CompileError(message: "not a valid PCRE2 regular expression: \(pattern) (\(error.description))")
        }
    }

    /// Whether the pattern matches anywhere in `text` (or all of it, for a whole-match regex).
    ///
    /// A match that reaches a PCRE2 limit counts as a match: the Guardian fails closed, so text
    /// crafted to make the regex backtrack is blocked under that pattern's reason instead of
    /// costing unbounded CPU (README, "Guardian limits").
    func matches(_ text: String, using data: PCRE2MatchData) -> Bool {
        do {
            return try regex.matches(text, using: data)
        } catch {
            return true
        }
    }

    /// The same over `text`'s UTF-8 bytes (valid UTF-8, as a Swift String's always are).
    func matches(_ bytes: UnsafeBufferPointer<UInt8>, using data: PCRE2MatchData) -> Bool {
        do {
            return try regex.matches(bytes, using: data)
        } catch {
            return true
        }
    }

    func matches(_ text: String) -> Bool {
        matches(text, using: PCRE2MatchData())
    }
}
