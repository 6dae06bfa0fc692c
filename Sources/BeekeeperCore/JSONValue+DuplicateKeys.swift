extension JSONValue {
    /// The dotted path (quoted) of the first key that appears twice in one object, at any depth;
    /// nil when there is none. The parser keeps both members in order, but other parsers disagree
    /// on which one wins, so a value with one must not be judged by one reader and acted on by another.
    public func firstDuplicateKey(path: String = "") -> String? {
        switch self {
        case .object(let members):
            var seen = Set<String>()
            for member in members {
                let memberPath = path.isEmpty ? member.key : path + "." + member.key
                if !seen.insert(member.key).inserted { return "\"\(memberPath)\"" }
                if let found = member.value.firstDuplicateKey(path: memberPath) { return found }
            }
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = item.firstDuplicateKey(path: path.isEmpty ? String(index) : path + "." + String(index)) { return found }
            }
        default:
            break
        }
        return nil
    }
}
