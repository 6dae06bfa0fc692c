/// What a start needs from one idempotency journal line, read without parsing its outcome.
///
/// A start used to parse every line whole (a day of a busy sidecar's outcomes: 100,000 lines took
/// 4-5 s of a loaded machine, issue 14, where every restart must take under 2 s). The lines are the
/// store's own (`{"id":…,"at":…,"outcome":{…},"payload_sha256":…}`, compact), so a scan of the
/// top-level members finds `id`, `at` and the digest and steps over the outcome by its brackets;
/// the outcome is parsed when a replay asks for it. Anything the scan does not expect (an escape
/// in a string it must read, whitespace where the writer never puts any, a nested value it cannot
/// step over) returns nil, and the caller parses that line whole as before.
struct IdempotencyJournalLine: Equatable {
    var id: String
    var at: Double
    var payloadSHA256: String?

    /// Nil when the line is not a plain journal line or holds no outcome (`outcome`, or a previous
    /// release's `body`); the caller then falls back to the full parser.
    static func scan(_ line: UnsafeRawBufferPointer) -> IdempotencyJournalLine? {
        var scanner = Scanner(bytes: line)
        return scanner.line()
    }

    /// The members a start reads; `outcome` is also a previous release's `body`.
    private enum Key {
        case id, at, payloadSHA256, outcome, other

        init(_ name: UnsafeRawBufferPointer.SubSequence) {
            if name.elementsEqual("id".utf8) {
                self = .id
            } else if name.elementsEqual("at".utf8) {
                self = .at
            } else if name.elementsEqual("payload_sha256".utf8) {
                self = .payloadSHA256
            } else if name.elementsEqual("outcome".utf8) || name.elementsEqual("body".utf8) {
                self = .outcome
            } else {
                self = .other
            }
        }
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func line() -> IdempotencyJournalLine? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var id: String?
            var at: Double?
            var digest: String??
            var hasOutcome = false
            // Later members replace earlier ones with the same key, as `JSONValue`'s subscript reads them.
            while true {
                guard let name = plainString() else { return nil }
                let key = Key(name)
                guard take(UInt8(ascii: ":")) else { return nil }
                switch key {
                case .id:
                    guard let value = plainString() else { return nil }
                    id = String(decoding: value, as: UTF8.self)
                case .at:
                    guard let literal = numberLiteral(), let value = Double(String(decoding: literal, as: UTF8.self)) else { return nil }
                    at = value
                case .payloadSHA256:
                    guard let value = plainString() else { return nil }
                    digest = .some(String(decoding: value, as: UTF8.self))
                default:
                    let start = index
                    guard skipValue() else { return nil }
                    if key == .outcome {
                        hasOutcome = bytes[start] == UInt8(ascii: "{")
                    }
                }
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "}")), index == bytes.count else { return nil }
                break
            }
            guard let id, let at, hasOutcome else { return nil }
            return IdempotencyJournalLine(id: id, at: at, payloadSHA256: digest ?? nil)
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A string without escapes, as its bytes (keys, ids and digests are written plain).
        mutating func plainString() -> UnsafeRawBufferPointer.SubSequence? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    defer { index += 1 }
                    return bytes[start..<index]
                case UInt8(ascii: "\\"), 0..<0x20: return nil
                default: index += 1
                }
            }
            return nil
        }

        mutating func numberLiteral() -> UnsafeRawBufferPointer.SubSequence? {
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                    UInt8(ascii: "e"), UInt8(ascii: "E"):
                    index += 1
                default:
                    return index > start ? bytes[start..<index] : nil
                }
            }
            return nil
        }

        /// Steps over one value: strings with their escapes, objects and arrays by their brackets
        /// outside strings, anything else up to the next `,`, `}` or `]`. It does not validate
        /// what it steps over; the outcome is validated when a replay parses it.
        mutating func skipValue() -> Bool {
            let start = index
            var depth = 0
            var inString = false
            while index < bytes.count {
                let byte = bytes[index]
                if inString {
                    if byte == UInt8(ascii: "\\") {
                        index += 2
                        continue
                    }
                    if byte == UInt8(ascii: "\"") { inString = false }
                    index += 1
                    if !inString, depth == 0 { return true }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return index > start }
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return true
                    }
                case UInt8(ascii: ","):
                    if depth == 0 { return index > start }
                case 0..<0x21: return false
                default: break
                }
                index += 1
            }
            return false
        }
    }
}
