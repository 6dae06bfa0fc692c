/// A regex as the prefilter sees it: the part of PCRE2's syntax the Guardian's patterns use,
/// reduced to what matters for "which literal text must a match contain, and where".
///
/// Anything the parser does not know is a ``RegexSyntax/Unsupported`` error, and the pattern is
/// then matched by PCRE2 alone, as before the prefilter: correctness never depends on this
/// parser being complete. Simplifications only ever make the set of strings described larger
/// (a look-ahead is "zero width", a backreference "anything"), so a literal the analysis says a
/// match must contain is really in every match.
indirect enum RegexSyntax: Equatable, Sendable {
    case empty
    /// One literal character (case folding is applied by the analysis, which knows the flags).
    case literal(Unicode.Scalar)
    /// A class of at most four ASCII characters (`['"]`, `[/\\]`); never `\s \w \d .` or a negated
    /// class, which match non-ASCII characters under Unicode rules.
    case smallClass([UInt8])
    /// One character (or a few, for `\R` and `\X`) of unknown value: `.`, `\w`, large classes.
    case anyCharacter
    /// `\b`.
    case wordBoundary
    /// Any other zero-width item: `\B`, `$`, `\z`, `\Z`, look-ahead and look-behind.
    case assertion
    /// `^` or `\A` (no multiline flag is accepted, so both mean the start of the subject).
    case startOfSubject
    case group(RegexSyntax)
    case concatenation([RegexSyntax])
    /// The branches with their source text, so that an alternative can be compiled on its own.
    case alternation([RegexSyntax], sources: [String])
    case repetition(RegexSyntax, min: Int, max: Int?)
    /// `\k<name>` and friends: whatever the group matched, possibly nothing.
    case backreference

    struct Unsupported: Error, Equatable {
        var offset: Int
        var reason: String
    }
}
