import Foundation

/// A compiled `NSRegularExpression` that may be shared across tasks.
///
/// `NSRegularExpression` is immutable after init and documented as safe to match from many
/// threads at once (corelibs-foundation checks out a private ICU matcher per call), but it is not
/// marked `Sendable`. This box only ever matches, hence `@unchecked Sendable`.
/// NSRegularExpression rather than Swift `Regex`: the latter is far slower on Linux.
struct CompiledRegex: @unchecked Sendable {
    private let expression: NSRegularExpression

    struct CompileError: Error {
        var message: String
    }

    /// Compiles `pattern` as written (patterns carry their own flags, such as `(?i)`).
    /// With `wholeMatch`, a match must cover the entire text.
    init(_ pattern: String, wholeMatch: Bool = false) throws(CompileError) {
        do {
            // Compile the bare pattern first so a trailing backslash cannot escape the wrapper.
            let bare = try NSRegularExpression(pattern: pattern)
            expression = wholeMatch ? try NSRegularExpression(pattern: #"\A(?:"# + pattern + #")\z"#) : bare
        } catch {
            // Foundation's error only says "The value is invalid"; say what was wrong instead.
            throw CompileError(message: "not a valid ICU regular expression: \(pattern)")
        }
    }

    /// Whether the pattern matches anywhere in `text` (or all of it, for a whole-match regex).
    func matches(_ text: String) -> Bool {
        let range = NSRange(location: 0, length: text.utf16.count)
        return expression.firstMatch(in: text, options: [], range: range) != nil
    }
}
