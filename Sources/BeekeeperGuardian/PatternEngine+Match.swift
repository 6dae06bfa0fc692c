import PCRE2

extension PatternEngine {
    /// Finds the literals of `bytes` (one automaton pass) and records them in `scratch`; call
    /// before ``matches(pattern:in:scratch:data:)`` for the same bytes. Returns false when no
    /// pattern can match (no alternative woke up): most strings of ordinary tasks, which then
    /// cost one pass and nothing more.
    @discardableResult
    func scan(_ bytes: UnsafeBufferPointer<UInt8>, into scratch: PatternScratch) -> Bool {
        let seen = scratch.seen
        let seenList = scratch.seenList
        let hitHead = scratch.hitHead
        for slot in 0..<scratch.seenCount {
            let id = Int(seenList[slot])
            seen[id >> 6] = 0
            hitHead[id] = -1
        }
        let touched = scratch.touched
        for word in 0..<maskWords { touched[word] = alwaysMask[word] }
        scratch.seenCount = 0
        scratch.hitCount = 0
        scratch.hazard = false
        // Offsets are kept as Int32; a longer string (far beyond any payload limit) is matched whole.
        guard bytes.count < Int(Int32.max) else {
            scratch.hazard = true
            return true
        }

        let table = tables.table
        let classes = tables.classes
        let outputStarts = tables.outputStarts
        let outputs = tables.outputs
        let flags = tables.literalFlags
        let lengths = tables.literalLengths
        let triggers = tables.triggerMasks
        let classCount = UInt32(automaton.classCount)
        let maskWords = maskWords
        var seenCount = 0
        var hitCount = 0
        var hazard = false
        var hitStart = scratch.hitStart
        var hitNext = scratch.hitNext
        var capacity = scratch.hitCapacity
        var state: UInt32 = 0
        for index in 0..<bytes.count {
            let entry = table[Int(state) &+ Int(classes[Int(bytes[index])])]
            state = entry & ~LiteralAutomaton.outputFlag
            guard entry & LiteralAutomaton.outputFlag != 0 else { continue }
            let row = Int(state / classCount)
            for slot in Int(outputStarts[row])..<Int(outputStarts[row &+ 1]) {
                let id = Int(outputs[slot])
                let literalFlags = flags[id]
                let bit = UInt64(1) << UInt64(id & 63)
                if seen[id >> 6] & bit == 0 {
                    seen[id >> 6] |= bit
                    seenList[seenCount] = Int32(id)
                    seenCount &+= 1
                    for word in 0..<maskWords { touched[word] |= triggers[id &* maskWords &+ word] }
                    if literalFlags & PatternEngine.Tables.hazardFlag != 0 { hazard = true }
                }
                if literalFlags & PatternEngine.Tables.anchorFlag != 0 {
                    if hitCount == capacity {
                        scratch.growHits(keeping: hitCount)
                        (hitStart, hitNext, capacity) = (scratch.hitStart, scratch.hitNext, scratch.hitCapacity)
                    }
                    hitStart[hitCount] = Int32(truncatingIfNeeded: index &+ 1) &- lengths[id]
                    hitNext[hitCount] = hitHead[id]
                    hitHead[id] = Int32(truncatingIfNeeded: hitCount)
                    hitCount &+= 1
                }
            }
        }
        scratch.seenCount = seenCount
        scratch.hitCount = hitCount
        scratch.hazard = hazard
        if hazard { return true }
        for word in 0..<maskWords where touched[word] != 0 { return true }
        return false
    }

    /// Whether pattern `pattern` matches anywhere in `bytes` (valid UTF-8, scanned into `scratch`).
    /// A match that reaches a PCRE2 limit counts as a match, as everywhere in the Guardian.
    func matches(pattern: Int, in bytes: UnsafeBufferPointer<UInt8>, scratch: PatternScratch, data: PCRE2MatchData) -> Bool {
        if scratch.hazard { return PatternEngine.matches(wholePatterns[pattern], bytes, from: 0, data) }
        let range = patternAlternatives[pattern]
        guard !range.isEmpty else { return false }
        // Only the alternatives a literal of this string woke up, one mask word at a time.
        for word in (range.lowerBound >> 6)...((range.upperBound - 1) >> 6) {
            var bits = scratch.touched[word] & patternMasks[pattern * maskWords + word]
            while bits != 0 {
                let index = word << 6 | bits.trailingZeroBitCount
                bits &= bits &- 1
                if matches(alternative: index, in: bytes, scratch: scratch, data: data) { return true }
            }
        }
        return false
    }

    private func matches(alternative index: Int, in bytes: UnsafeBufferPointer<UInt8>, scratch: PatternScratch, data: PCRE2MatchData) -> Bool {
        let alternative = alternatives[index]
        guard PatternEngine.holds(alternative.gate, scratch.seen) else { return false }
        guard alternative.isAnchored else { return PatternEngine.matches(alternative.regex, bytes, from: 0, data) }
        if alternative.atSubjectStart, PatternEngine.matches(alternative.regex, bytes, from: 0, data) { return true }
        for id in alternative.anchorLiterals {
            var hit = scratch.hitHead[id]
            while hit >= 0 {
                let start = Int(scratch.hitStart[Int(hit)])
                hit = scratch.hitNext[Int(hit)]
                // `\b` between two ASCII word characters fails; PCRE2 decides everything else.
                if alternative.startsAtWordBoundary, start > 0, PatternEngine.isASCIIWord(bytes[start - 1]),
                    PatternEngine.isASCIIWord(bytes[start])
                {
                    continue
                }
                if PatternEngine.matches(alternative.regex, bytes, from: start, data) { return true }
            }
        }
        return false
    }

    static func holds(_ gate: Gate, _ seen: UnsafeMutablePointer<UInt64>) -> Bool {
        switch gate {
        case .always: true
        case .literal(let id): seen[id >> 6] & (UInt64(1) << UInt64(id & 63)) != 0
        case .and(let parts): parts.allSatisfy { holds($0, seen) }
        case .or(let parts): parts.contains { holds($0, seen) }
        }
    }

    static func isASCIIWord(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F
    }

    /// One PCRE2 match; a limit counts as a match (the Guardian fails closed).
    static func matches(_ regex: PCRE2Regex, _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, _ data: PCRE2MatchData) -> Bool {
        do {
            return try regex.matches(bytes, from: start, using: data)
        } catch {
            return true
        }
    }
}
