extension JSONValue {
    /// The dotted path (quoted) of the first key that appears twice in one object, at any depth;
    /// nil when there is none. The parser keeps both members in order, but other parsers disagree
    /// on which one wins, so a value with one must not be judged by one reader and acted on by another.
    public func firstDuplicateKey(path: String = "") -> String? {
        // Nearly every body has none: a walk that builds no paths answers that, and only a body
        // with a duplicate pays for naming it.
        hasDuplicateKey ? duplicateKeyPath(path: path) : nil
    }

    /// Whether an object anywhere repeats a key (String equality, as ``firstDuplicateKey(path:)``).
    public var hasDuplicateKey: Bool {
        switch self {
        case .object(let members):
            if JSONValue.repeatsAKey(members) { return true }
            return members.contains { $0.value.hasDuplicateKey }
        case .array(let items):
            return items.contains { $0.hasDuplicateKey }
        default:
            return false
        }
    }

    private func duplicateKeyPath(path: String) -> String? {
        switch self {
        case .object(let members):
            var seen = Set<String>()
            for member in members {
                let memberPath = path.isEmpty ? member.key : path + "." + member.key
                if !seen.insert(member.key).inserted { return "\"\(memberPath)\"" }
                if let found = member.value.duplicateKeyPath(path: memberPath) { return found }
            }
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = item.duplicateKeyPath(path: path.isEmpty ? String(index) : path + "." + String(index)) { return found }
            }
        default:
            break
        }
        return nil
    }
}
