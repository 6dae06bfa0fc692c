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
    /// for an AND, those of its most selective part (the one whose shortest literal is longest),
    /// so that common short literals such as "or" do not wake the formula up on every string.
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
            return parts.compactMap(\.triggers).max { lhs, rhs in
                (lhs.map(\.count).min() ?? 0, -lhs.count) < (rhs.map(\.count).min() ?? 0, -rhs.count)
            }
        }
    }
}
