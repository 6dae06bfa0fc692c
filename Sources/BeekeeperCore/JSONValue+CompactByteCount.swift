extension JSONValue {
    /// The byte count of ``serialized()`` (compact JSON, UTF-8), computed without building it:
    /// the Guardian measures every argument against `max_arg_bytes`, and a whole serialization
    /// per argument just to count it cost more than the rest of a check.
    public var compactByteCount: Int { compactByteCount(stoppingAfter: .max) }

    /// ``compactByteCount``, exact when it is at most `limit`; once the count passes `limit` the
    /// walk stops and returns a value larger than `limit` (not the full count), so measuring a
    /// huge argument against a small limit costs only the bytes up to the limit.
    public func compactByteCount(stoppingAfter limit: Int) -> Int {
        var count = 0
        _ = addCompactByteCount(to: &count, limit: limit)
        return count
    }

    /// Adds this value's compact size to `count`; false once `count` is past `limit`.
    func addCompactByteCount(to count: inout Int, limit: Int) -> Bool {
        switch self {
        case .null: count += 4
        case .bool(let value): count += value ? 4 : 5
        case .number(let text): count += text.utf8.count
        case .string(let text): count += JSONValue.compactByteCount(ofString: text)
        case .array(let items):
            count += items.isEmpty ? 2 : 1 + items.count  // brackets and the commas between
            for item in items where !item.addCompactByteCount(to: &count, limit: limit) { return false }
        case .object(let members):
            count += members.isEmpty ? 2 : 1 + 2 * members.count  // braces, colons, commas
            for member in members {
                count += JSONValue.compactByteCount(ofString: member.key)
                guard count <= limit, member.value.addCompactByteCount(to: &count, limit: limit) else { return false }
            }
        }
        return count <= limit
    }

    /// The size of `text` as ``writeString(_:to:)`` writes it, quotes included.
    public static func compactByteCount(ofString text: String) -> Int {
        var text = text
        return text.withUTF8 { compactByteCount(ofStringBytes: UnsafeRawBufferPointer($0)) }
    }

    /// The size of a JSON string literal of these UTF-8 bytes, quotes included: one byte for most,
    /// two for `\"` `\\` `\n` `\r` `\t` `\b` `\f`, six for the other control characters (`\u001f`)
    /// and for U+2028/U+2029 (three bytes each in UTF-8, escaped as `\u2028`). Eight bytes at a
    /// time while none of them needs a look (nearly all text).
    static func compactByteCount(ofStringBytes bytes: UnsafeRawBufferPointer) -> Int {
        let count = bytes.count
        var total = count + 2
        var index = 0
        while index + 8 <= count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            if !JSONByteScan.mayNeedEscape(word) {
                index += 8
                continue
            }
            let end = index + 8
            while index < end {
                total += extraEscapeBytes(bytes, at: index)
                index += 1
            }
        }
        while index < count {
            total += extraEscapeBytes(bytes, at: index)
            index += 1
        }
        return total
    }

    /// How many bytes escaping the byte at `index` adds beyond the byte itself.
    @inline(__always)
    private static func extraEscapeBytes(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        switch bytes[index] {
        case 0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x08, 0x0C: return 1
        case 0x00..<0x20: return 5
        case 0xE2:
            // U+2028 is E2 80 A8, U+2029 is E2 80 A9: 3 bytes become the 6 of `\u2028`.
            guard index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9 else { return 0 }
            return 3
        default: return 0
        }
    }
}

/// Word-at-a-time tests over eight bytes (SWAR), for the scans of JSON text that are nearly
/// always "nothing to see here".
enum JSONByteScan {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Nonzero in a byte's high bit where that byte of `word` is zero (exact for the lowest such
    /// byte; a "true" may be a false positive only above a real hit, so as a yes/no it is exact).
    @inline(__always)
    static func zeroBytes(_ word: UInt64) -> UInt64 { (word &- ones) & ~word & highs }

    /// Whether any byte equals `byte`.
    @inline(__always)
    static func contains(_ word: UInt64, _ byte: UInt8) -> Bool { zeroBytes(word ^ (ones &* UInt64(byte))) != 0 }

    /// Whether any byte is below 0x20 (a control character).
    @inline(__always)
    static func hasControl(_ word: UInt64) -> Bool { (word &- ones &* 0x20) & ~word & highs != 0 }

    /// Whether any byte is `"`, `\`, a control character or 0xE2 (which may start U+2028/U+2029).
    @inline(__always)
    static func mayNeedEscape(_ word: UInt64) -> Bool {
        hasControl(word) || contains(word, 0x22) || contains(word, 0x5C) || contains(word, 0xE2)
    }

    /// Whether any byte is `"`, `\` or a control character: where a string scan must stop.
    @inline(__always)
    static func stopsString(_ word: UInt64) -> Bool {
        hasControl(word) || contains(word, 0x22) || contains(word, 0x5C)
    }

    /// Whether any byte is non-ASCII.
    @inline(__always)
    static func hasNonASCII(_ word: UInt64) -> Bool { word & highs != 0 }
}
