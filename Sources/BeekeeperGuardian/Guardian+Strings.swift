public import BeekeeperCore

extension Guardian {
    /// Strings up to this many UTF-8 bytes are remembered so that a repeat (keys such as "id" and
    /// "object" recur in every nested object) is visited once. Longer ones are visited every
    /// time they occur: they rarely repeat, hashing them costs about as much as scanning them,
    /// and the total visited stays within the body's size either way (a string's decoded UTF-8
    /// is never longer than its JSON text).
    static let rememberedStringBytes = 64

    /// Visits the UTF-8 bytes of every string value and every object key in `args` and `kwargs`
    /// (the `kwargs` names included), depth first, each distinct short string once (equal bytes,
    /// not Unicode canonical equivalence: two spellings of "é" are both visited, as a byte-level
    /// pattern may match one and not the other). `visit` returns false to stop the walk. The
    /// fixed checks have bounded the depth before this runs.
    public static func forEachDistinctString(in request: GuardianRequest, _ visit: (UnsafeBufferPointer<UInt8>) -> Bool) {
        var seen: Set<ByteString>? = []
        _ = walkStrings(request.args, &seen, visit) && walkStrings(request.kwargs, &seen, visit)
    }

    /// The same walk without skipping repeats, for a matcher whose pass over a short string costs
    /// less than hashing it (the prefiltered engine: a repeated key that wakes no alternative is
    /// one automaton pass, and the verdict for the same bytes is the same).
    static func forEachString(in request: GuardianRequest, _ visit: (UnsafeBufferPointer<UInt8>) -> Bool) {
        var seen: Set<ByteString>? = nil
        _ = walkStrings(request.args, &seen, visit) && walkStrings(request.kwargs, &seen, visit)
    }

    private static func walkStrings(_ value: JSONValue, _ seen: inout Set<ByteString>?, _ visit: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        switch value {
        case .string(let text): return visitString(text, &seen, visit)
        case .array(let items):
            for item in items where !walkStrings(item, &seen, visit) { return false }
        case .object(let members):
            for member in members {
                guard visitString(member.key, &seen, visit), walkStrings(member.value, &seen, visit) else { return false }
            }
        case .null, .bool, .number: break
        }
        return true
    }

    private static func visitString(_ text: String, _ seen: inout Set<ByteString>?, _ visit: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        var text = text
        if seen != nil, text.utf8.count <= rememberedStringBytes, !seen!.insert(ByteString(text)).inserted { return true }
        return text.withUTF8 { visit($0) }
    }

    /// A String hashed and compared by its UTF-8 bytes, not by canonical equivalence.
    private struct ByteString: Hashable {
        var text: String
        init(_ text: String) { self.text = text }

        static func == (lhs: ByteString, rhs: ByteString) -> Bool { lhs.text.utf8.elementsEqual(rhs.text.utf8) }

        func hash(into hasher: inout Hasher) {
            var text = text
            text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }
}
