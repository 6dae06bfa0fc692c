import PCRE2

extension PatternEngine {
    /// Finds the literals of `bytes` (one automaton pass) and records them in `scratch`; call
    /// before ``matches(pattern:in:scratch:data:)`` for the same bytes.
    func scan(_ bytes: UnsafeBufferPointer<UInt8>, into scratch: PatternScratch) {
        for id in scratch.seenList {
            scratch.seen[id >> 6] = 0
            scratch.hitHead[id] = -1
        }
        scratch.seenList.removeAll(keepingCapacity: true)
        scratch.hitStart.removeAll(keepingCapacity: true)
        scratch.hitNext.removeAll(keepingCapacity: true)
        for word in 0..<maskWords { scratch.touched[word] = alwaysMask[word] }
        scratch.hazard = false

        let classCount = UInt32(automaton.classCount)
        automaton.table.withUnsafeBufferPointer { table in
            automaton.classes.withUnsafeBufferPointer { classes in
                var state: UInt32 = 0
                for index in 0..<bytes.count {
                    let entry = table[Int(state) &+ Int(classes[Int(bytes[index])])]
                    state = entry & ~LiteralAutomaton.outputFlag
                    if entry & LiteralAutomaton.outputFlag != 0 {
                        record(state: Int(state / classCount), end: index &+ 1, into: scratch)
                    }
                }
            }
        }
    }

    private func record(state: Int, end: Int, into scratch: PatternScratch) {
        for slot in Int(automaton.outputStarts[state])..<Int(automaton.outputStarts[state + 1]) {
            let id = Int(automaton.outputs[slot])
            let bit = UInt64(1) << UInt64(id & 63)
            if scratch.seen[id >> 6] & bit == 0 {
                scratch.seen[id >> 6] |= bit
                scratch.seenList.append(id)
                for word in 0..<maskWords { scratch.touched[word] |= triggerMasks[id * maskWords + word] }
                if literalIsHazard[id] { scratch.hazard = true }
            }
            if literalIsAnchor[id] {
                scratch.hitStart.append(end - literalLengths[id])
                scratch.hitNext.append(scratch.hitHead[id])
                scratch.hitHead[id] = scratch.hitStart.count - 1
            }
        }
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
                let start = scratch.hitStart[hit]
                hit = scratch.hitNext[hit]
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

    static func holds(_ gate: Gate, _ seen: [UInt64]) -> Bool {
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
