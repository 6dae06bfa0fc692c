extension JSONValue {
    /// Compact JSON (no spaces), members in order, non-ASCII kept as UTF-8.
    public func serialized() -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// The compact JSON as UTF-8 bytes (``write(to:)-([UInt8])`` into a new buffer).
    public var bytes: [UInt8] {
        var output: [UInt8] = []
        write(to: &output)
        return output
    }

    /// Appends ``serialized()`` to `output`. One writer, the byte writer, makes every form: the
    /// audit log hashes those bytes, so the String and the bytes can never disagree.
    public func write(to output: inout String) {
        output += serialized()
    }

    /// Writes `text` as a JSON string literal (see ``writeString(_:to:)-([UInt8])``) to a String.
    public static func writeString(_ text: String, to output: inout String) {
        var bytes: [UInt8] = []
        writeString(text, to: &bytes)
        output += String(decoding: bytes, as: UTF8.self)
    }

    /// Nesting depth: a scalar is 0, `[]` is 1, `[[1]]` is 2.
    public var depth: Int {
        switch self {
        case .array(let items): return 1 + (items.map(\.depth).max() ?? 0)
        case .object(let members): return 1 + (members.map(\.value.depth).max() ?? 0)
        default: return 0
        }
    }
}
