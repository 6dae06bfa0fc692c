extension JSONValue {
    /// Appends the same compact JSON as ``serialized()`` (byte for byte) to a byte buffer, with
    /// no `String` in between: the audit log writes every record's line this way, straight into
    /// the buffer it hashes and writes. Room for the exact size (``compactByteCount``, a
    /// word-at-a-time scan) is made once, then the bytes are written through a pointer.
    public func write(to output: inout [UInt8]) {
        output.appendWritten(atMost: compactByteCount) { write(to: &$0) }
    }

    /// The byte form of ``writeString(_:to:)-(String,inout String)``: the same escapes (quotes,
    /// backslashes, control characters, U+2028 and U+2029), runs that need none copied whole.
    public static func writeString(_ text: String, to output: inout [UInt8]) {
        output.appendWritten(atMost: compactByteCount(ofString: text)) { writeString(text, to: &$0) }
    }

    /// At least the bytes ``write(to:)-(JSONByteWriter)`` writes, from lengths alone (no scan): six
    /// per string byte, the longest escape (`\u001f` for one byte, `\u2028` for three).
    package var byteBound: Int {
        switch self {
        case .null: return 4
        case .bool: return 5
        case .number(let text): return text.utf8.count
        case .string(let text): return Self.byteBound(ofString: text)
        case .array(let items):
            var bound = 2 + items.count
            for item in items { bound += item.byteBound }
            return bound
        case .object(let members):
            var bound = 2 + 2 * members.count
            for member in members { bound += Self.byteBound(ofString: member.key) + member.value.byteBound }
            return bound
        }
    }

    /// ``byteBound`` of a string literal: quotes and six bytes per UTF-8 byte.
    package static func byteBound(ofString text: String) -> Int { 2 + 6 * text.utf8.count }

    /// Writes this value's compact JSON; the writer must have room for ``byteBound`` bytes (or
    /// exactly ``compactByteCount``, which is what this writes).
    package func write(to output: inout JSONByteWriter) {
        switch self {
        case .null: output.append("null")
        case .bool(let value): output.append(value ? "true" : "false")
        case .number(var text): text.withUTF8 { output.append($0) }
        case .string(let text): JSONValue.writeString(text, to: &output)
        case .array(let items):
            output.append(0x5B)
            for (position, item) in items.enumerated() {
                if position > 0 { output.append(0x2C) }
                item.write(to: &output)
            }
            output.append(0x5D)
        case .object(let members):
            output.append(0x7B)
            for (position, member) in members.enumerated() {
                if position > 0 { output.append(0x2C) }
                JSONValue.writeString(member.key, to: &output)
                output.append(0x3A)
                member.value.write(to: &output)
            }
            output.append(0x7D)
        }
    }

    /// `text` as a JSON string literal, quotes included.
    package static func writeString(_ text: String, to output: inout JSONByteWriter) {
        output.append(0x22)
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            var index = 0
            let count = utf8.count
            let raw = UnsafeRawBufferPointer(utf8)
            while index < count {
                // Eight bytes at a time while none needs a look (nearly all text: ids, hashes,
                // names): the byte loop below only runs over a word that holds a candidate.
                if index + 8 <= count,
                    !JSONByteScan.mayNeedEscape(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
                {
                    index += 8
                    continue
                }
                let byte = utf8[index]
                // Nearly every byte: printable ASCII other than `"` and `\`, or a UTF-8 byte
                // other than the lead byte of U+2028/U+2029.
                if byte >= 0x20, byte != 0x22, byte != 0x5C, byte != 0xE2 {
                    index += 1
                    continue
                }
                var width = 1
                let escape: StaticString
                switch byte {
                case 0x22: escape = "\\\""
                case 0x5C: escape = "\\\\"
                case 0x0A: escape = "\\n"
                case 0x0D: escape = "\\r"
                case 0x09: escape = "\\t"
                case 0x08: escape = "\\b"
                case 0x0C: escape = "\\f"
                case 0xE2:
                    // U+2028 is E2 80 A8, U+2029 is E2 80 A9.
                    guard index + 2 < count, utf8[index + 1] == 0x80, utf8[index + 2] == 0xA8 || utf8[index + 2] == 0xA9 else {
                        index += 1
                        continue
                    }
                    escape = utf8[index + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                    width = 3
                default:
                    // Other control characters: \u00XX in lower-case hex, as the String writer does.
                    output.append(UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                    output.append("\\u00")
                    withUnsafeBytes(of: byte) { output.appendLowerHex($0) }
                    index += 1
                    runStart = index
                    continue
                }
                output.append(UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                output.append(escape)
                index += width
                runStart = index
            }
            output.append(UnsafeBufferPointer(rebasing: utf8[runStart..<count]))
        }
        output.append(0x22)
    }

    /// Whether `text` is a JSON number literal (RFC 8259 section 6), checked on its bytes with
    /// the parser's grammar but without building a value: the audit log checks every number a
    /// record carries, and a caller-made `.number("12abc")` must not reach a line.
    public static func isNumberLiteral(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            let count = bytes.count
            var index = 0
            func isDigit(_ at: Int) -> Bool { at < count && bytes[at] >= 0x30 && bytes[at] <= 0x39 }
            if index < count, bytes[index] == 0x2D { index += 1 }
            guard isDigit(index) else { return false }
            if bytes[index] == 0x30 {
                index += 1
            } else {
                while isDigit(index) { index += 1 }
            }
            if index < count, bytes[index] == 0x2E {
                index += 1
                guard isDigit(index) else { return false }
                while isDigit(index) { index += 1 }
            }
            if index < count, bytes[index] == 0x65 || bytes[index] == 0x45 {
                index += 1
                if index < count, bytes[index] == 0x2B || bytes[index] == 0x2D { index += 1 }
                guard isDigit(index) else { return false }
                while isDigit(index) { index += 1 }
            }
            return index == count
        }
    }

    /// The first number literal in `self` (depth first, in member order) that is not valid JSON.
    public var invalidNumberLiteral: String? {
        switch self {
        case .number(let text): return Self.isNumberLiteral(text) ? nil : text
        case .array(let items):
            for item in items { if let bad = item.invalidNumberLiteral { return bad } }
            return nil
        case .object(let members):
            for member in members { if let bad = member.value.invalidNumberLiteral { return bad } }
            return nil
        default: return nil
        }
    }
}
