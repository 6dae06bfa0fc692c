/// An AND/OR formula over literal byte strings (ASCII-lowercased) that every match of a regex
/// makes true: each `literal` must occur somewhere in the string (RE2's `Prefilter` idea).
/// `always` means the analysis knows nothing, and the regex must run.
indirect enum LiteralFormula: Hashable, Sendable {
    case always
    case literal([UInt8])
    case and([LiteralFormula])
    case or([LiteralFormula])

    static func all(_ parts: [LiteralFormula]) -> LiteralFormula {
        var flat: [LiteralFormula] = []
        for part in parts {
            switch part {
            case .always: continue
            case .and(let inner): flat += inner
            default: flat.append(part)
            }
        }
        var unique: [LiteralFormula] = []
        for part in flat where !unique.contains(part) { unique.append(part) }
        return unique.isEmpty ? .always : unique.count == 1 ? unique[0] : .and(unique)
    }

    static func any(_ parts: [LiteralFormula]) -> LiteralFormula {
        var flat: [LiteralFormula] = []
        for part in parts {
            switch part {
            case .always: return .always
            case .or(let inner): flat += inner
            default: flat.append(part)
            }
        }
        var unique: [LiteralFormula] = []
        for part in flat where !unique.contains(part) { unique.append(part) }
        // A literal that contains another of the same OR adds nothing: the shorter one is there too.
        let literals = unique.compactMap { if case .literal(let bytes) = $0 { bytes } else { nil } }
        unique.removeAll { part in
            guard case .literal(let bytes) = part else { return false }
            return literals.contains { $0 != bytes && bytes.contains($0) }
        }
        return unique.count == 1 ? unique[0] : .or(unique)
    }

    /// Any of `strings` (nothing is known if one of them is empty).
    static func anyOf(_ strings: Set<[UInt8]>) -> LiteralFormula {
        strings.contains([]) ? .always : any(strings.sorted { $0.lexicographicallyPrecedes($1) }.map { .literal($0) })
    }

    /// Every literal mentioned.
    var literals: [[UInt8]] {
        switch self {
        case .always: []
        case .literal(let bytes): [bytes]
        case .and(let parts), .or(let parts): parts.flatMap(\.literals)
        }
    }

    /// Literals of which at least one occurs whenever the formula is true (nil for `always`):
    /// for an AND, those of its most selective part, so that common literals such as "or" or "on"
    /// do not wake the formula up on every string. Selectivity is guessed: longer is rarer, and
    /// punctuation (`<`, `;`, `'`) is rarer in keys and prose than letters, so it counts as three
    /// more bytes.
    var triggers: [[UInt8]]? {
        switch self {
        case .always: return nil
        case .literal(let bytes): return [bytes]
        case .or(let parts):
            var all: [[UInt8]] = []
            for part in parts {
                guard let some = part.triggers else { return nil }
                all += some
            }
            return all
        case .and(let parts):
            func score(_ literal: [UInt8]) -> Int {
                let isWordLike = literal.allSatisfy { ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
                return literal.count + (isWordLike ? 0 : 3)
            }
            return parts.compactMap(\.triggers).max { lhs, rhs in
                (lhs.map(score).min() ?? 0, -lhs.count) < (rhs.map(score).min() ?? 0, -rhs.count)
            }
        }
    }
}
