/// Why a document is not acceptable JSON, with the byte offset where parsing stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case invalidNumber
        case invalidString
        case invalidUTF8
        case tooDeep(limit: Int)
        case trailingData
    }

    public var reason: Reason
    public var offset: Int

    public var description: String {
        switch reason {
        case .unexpectedEnd: return "unexpected end of JSON at byte \(offset)"
        case .unexpectedByte(let byte):
            let shown = (0x20..<0x7f).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "0x\(String(byte, radix: 16))"
            return "unexpected \(shown) at byte \(offset)"
        case .invalidNumber: return "invalid number at byte \(offset)"
        case .invalidString: return "invalid string escape at byte \(offset)"
        case .invalidUTF8: return "invalid UTF-8 at byte \(offset)"
        case .tooDeep(let limit): return "nesting deeper than \(limit) at byte \(offset)"
        case .trailingData: return "data after the JSON value at byte \(offset)"
        }
    }
}

extension JSONValue {
    /// Parses one JSON document (RFC 8259). Nesting beyond `maxDepth` is refused before it can
    /// exhaust the stack, so hostile input cannot crash the sidecar.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 512) throws(JSONParseError) -> JSONValue {
        let parsed = bytes.withContiguousStorageIfAvailable { parseResult(UnsafeRawBufferPointer($0), maxDepth: maxDepth) }
        return try (parsed ?? Array(bytes).withUnsafeBytes { parseResult($0, maxDepth: maxDepth) }).get()
    }

    /// The same over bytes in place (a request body in a `ByteBuffer`), without copying them first.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 512) throws(JSONParseError) -> JSONValue {
        try parseResult(bytes, maxDepth: maxDepth).get()
    }

    public static func parse(_ text: String, maxDepth: Int = 512) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { parseResult(UnsafeRawBufferPointer($0), maxDepth: maxDepth) }.get()
    }

    private static func parseResult(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) -> Result<JSONValue, JSONParseError> {
        Result { () throws(JSONParseError) -> JSONValue in
            var parser = JSONByteParser(bytes: bytes, maxDepth: maxDepth)
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            guard parser.index == bytes.count else { throw JSONParseError(reason: .trailingData, offset: parser.index) }
            return value
        }
    }
}

/// A recursive-descent parser over bytes in place. Errors carry the offset where parsing stopped;
/// `JSONParserDifferentialTests` holds it to the byte-at-a-time parser it replaced, offsets included.
struct JSONByteParser {
    let bytes: UnsafeRawBufferPointer
    let count: Int
    let maxDepth: Int
    var index = 0
    /// A string with escapes is assembled here (kept between strings to reuse its storage).
    var scratch: [UInt8] = []

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.count = bytes.count
        self.maxDepth = maxDepth
    }

    mutating func skipWhitespace() {
        while index < count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    func fail(_ reason: JSONParseError.Reason) -> JSONParseError { JSONParseError(reason: reason, offset: index) }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard index < count else { throw fail(.unexpectedEnd) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail(.unexpectedByte(bytes[index]))
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for byte in expected {
            guard index < count else { throw fail(.unexpectedEnd) }
            guard bytes[index] == byte else { throw fail(.unexpectedByte(bytes[index])) }
            index += 1
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
        index += 1
        var members: [JSONValue.Member] = []
        skipWhitespace()
        if index < count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < count else { throw fail(.unexpectedEnd) }
            guard bytes[index] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(bytes[index])) }
            let key = try parseString()
            skipWhitespace()
            guard index < count else { throw fail(.unexpectedEnd) }
            guard bytes[index] == UInt8(ascii: ":") else { throw fail(.unexpectedByte(bytes[index])) }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append(JSONValue.Member(key, value))
            skipWhitespace()
            guard index < count else { throw fail(.unexpectedEnd) }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw fail(.unexpectedByte(bytes[index]))
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < count else { throw fail(.unexpectedEnd) }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(items)
            default: throw fail(.unexpectedByte(bytes[index]))
            }
        }
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < count, isDigit(bytes[index]) else { throw fail(.invalidNumber) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < count, isDigit(bytes[index]) { index += 1 }
        }
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < count, isDigit(bytes[index]) else { throw fail(.invalidNumber) }
            while index < count, isDigit(bytes[index]) { index += 1 }
        }
        if index < count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < count, isDigit(bytes[index]) else { throw fail(.invalidNumber) }
            while index < count, isDigit(bytes[index]) { index += 1 }
        }
        return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }

    /// Moves `index` to the next `"`, `\\` or control character (or the end), eight bytes at a
    /// time while none is in sight: ordinary text is skipped without a look at each byte.
    @inline(__always)
    mutating func skipPlainRun() {
        while index + 8 <= count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            if JSONByteScan.stopsString(word) { break }
            index += 8
        }
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { return }
            index += 1
        }
    }

    /// A string without escapes (nearly all of them) is validated and copied once, straight from
    /// the input; one with escapes is assembled in `scratch`, each unescaped run validated (an
    /// invalid run fails at its first byte, as before) and copied whole.
    mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        skipPlainRun()
        guard index < count else { throw fail(.unexpectedEnd) }
        let stop = bytes[index]
        if stop == UInt8(ascii: "\"") {
            let run = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
            // Checked here (for the error's offset), then copied by `String(decoding:)`, whose own
            // check takes the non-generic fast path; `String(validating:as:)` is generic and cost
            // a quarter of parsing in metadata lookups.
            guard JSONUTF8.isValid(run) else { throw JSONParseError(reason: .invalidUTF8, offset: start) }
            index += 1
            return String(decoding: run.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
        }
        if stop < 0x20 { throw fail(.unexpectedByte(stop)) }
        scratch.removeAll(keepingCapacity: true)
        var runStart = start
        while true {
            // Here `index` is at a backslash or the closing quote, and [runStart, index) is plain.
            try appendRun(from: runStart)
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            index += 1
            try appendEscape()
            runStart = index
            skipPlainRun()
            guard index < count else { throw fail(.unexpectedEnd) }
            if bytes[index] < 0x20 { throw fail(.unexpectedByte(bytes[index])) }
        }
    }

    /// Appends the plain bytes [runStart, index) to `scratch` once they are valid UTF-8.
    mutating func appendRun(from runStart: Int) throws(JSONParseError) {
        guard runStart < index else { return }
        let run = UnsafeRawBufferPointer(rebasing: bytes[runStart..<index])
        guard JSONUTF8.isValid(run) else { throw JSONParseError(reason: .invalidUTF8, offset: runStart) }
        scratch.append(contentsOf: run)
    }

    /// Decodes the escape after a backslash (`index` is just past it) into `scratch`.
    mutating func appendEscape() throws(JSONParseError) {
        guard index < count else { throw fail(.unexpectedEnd) }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escape)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4()
            let scalar: Unicode.Scalar
            if (0xD800..<0xDC00).contains(unit) {
                guard index + 1 < count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw fail(.invalidString)
                }
                index += 2
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw fail(.invalidString) }
                let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                guard let pair = Unicode.Scalar(value) else { throw fail(.invalidString) }
                scalar = pair
            } else {
                guard let single = Unicode.Scalar(unit) else { throw fail(.invalidString) }
                scalar = single
            }
            UTF8.encode(scalar) { scratch.append($0) }
        default:
            index -= 1
            throw fail(.invalidString)
        }
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt16 {
        guard index + 4 <= count else { throw fail(.unexpectedEnd) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt16
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt16(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt16(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt16(byte - UInt8(ascii: "A") + 10)
            default: throw fail(.invalidString)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
