/// The per-check state of ``PatternEngine``: which literals one string holds and where its anchor
/// literals occur. One per concurrent check (never shared, so no lock), reused for every string
/// of the check, and reset by clearing only what the previous string touched.
///
/// Raw buffers, allocated once per check and freed in `deinit`: the scan loop writes them for
/// every literal occurrence, and Swift arrays in a class would cost an exclusivity check and a
/// uniqueness check on each of those writes.
final class PatternScratch {
    /// Bit per literal id: seen in the current string.
    let seen: UnsafeMutablePointer<UInt64>
    let seenWords: Int
    /// The literal ids seen, in order (each at most once).
    let seenList: UnsafeMutablePointer<Int32>
    var seenCount = 0
    /// Bit per alternative: one of its trigger literals was seen (or it has none).
    let touched: UnsafeMutablePointer<UInt64>
    /// Occurrences of each anchor literal, as linked lists: `hitHead[id]` is the latest index into
    /// `hitStart`/`hitNext`, -1 for none.
    let hitHead: UnsafeMutablePointer<Int32>
    private(set) var hitStart: UnsafeMutablePointer<Int32>
    private(set) var hitNext: UnsafeMutablePointer<Int32>
    private(set) var hitCapacity: Int
    var hitCount = 0
    /// The string holds a character that PCRE2 matches caselessly to an ASCII letter.
    var hazard = false

    init(literalCount: Int, maskWords: Int) {
        seenWords = max(1, (literalCount + 63) / 64)
        seen = .allocate(capacity: seenWords)
        seen.initialize(repeating: 0, count: seenWords)
        seenList = .allocate(capacity: max(1, literalCount))
        touched = .allocate(capacity: maskWords)
        touched.initialize(repeating: 0, count: maskWords)
        hitHead = .allocate(capacity: max(1, literalCount))
        hitHead.initialize(repeating: -1, count: max(1, literalCount))
        hitCapacity = 256
        hitStart = .allocate(capacity: hitCapacity)
        hitNext = .allocate(capacity: hitCapacity)
    }

    /// Makes room for more occurrences, keeping the first `count` (doubling; rare, and only on
    /// strings with many).
    func growHits(keeping count: Int) {
        let capacity = hitCapacity * 2
        let start = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        let next = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        start.moveInitialize(from: hitStart, count: count)
        next.moveInitialize(from: hitNext, count: count)
        hitStart.deallocate()
        hitNext.deallocate()
        hitStart = start
        hitNext = next
        hitCapacity = capacity
    }

    deinit {
        seen.deallocate()
        seenList.deallocate()
        touched.deallocate()
        hitHead.deallocate()
        hitStart.deallocate()
        hitNext.deallocate()
    }
}
