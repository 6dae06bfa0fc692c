/// The per-check state of ``PatternEngine``: which literals one string holds and where its anchor
/// literals occur. One per concurrent check (never shared, so no lock), reused for every string
/// of the check; it is reset by clearing only what the previous string touched.
final class PatternScratch {
    /// Bit per literal id: seen in the current string.
    var seen: [UInt64]
    var seenList: [Int] = []
    /// Bit per alternative: one of its trigger literals was seen (or it has none).
    var touched: [UInt64]
    /// Occurrences of each anchor literal, as linked lists: `hitHead[id]` is the latest index into
    /// `hitStart`/`hitNext`, -1 for none.
    var hitHead: [Int]
    var hitStart: [Int] = []
    var hitNext: [Int] = []
    /// The string holds a character that PCRE2 matches caselessly to an ASCII letter.
    var hazard = false

    init(literalCount: Int, maskWords: Int) {
        seen = [UInt64](repeating: 0, count: (literalCount + 63) / 64)
        touched = [UInt64](repeating: 0, count: maskWords)
        hitHead = [Int](repeating: -1, count: literalCount)
    }
}
