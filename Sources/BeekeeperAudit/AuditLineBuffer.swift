import LibCrypto

/// The writer's reusable bytes: a group of lines is assembled here, hashed as it goes, and
/// handed to one `pwrite`. Capacity is kept between groups, so a steady log allocates nothing
/// per record on this path: each line is written once, in place, and hashed where it lies.
struct AuditLineBuffer {
    /// The lines of the group being committed, newline-terminated.
    private(set) var bytes: [UInt8] = []
    /// The chain of the last line appended (64 lower-case hex bytes).
    private(set) var chain: [UInt8]
    /// The group's `ts`, formatted once per group (and its date and time once per second).
    private var timestamp = AuditTimestamp.Cache()

    init(chain: String) {
        self.chain = Array(chain.utf8)
        bytes.reserveCapacity(64 * 1024)
    }

    /// Starts a group after `chain` (the last committed one), stamped `microseconds`: drops the
    /// previous group's bytes.
    mutating func begin(after chain: String, at microseconds: Int64) {
        bytes.removeAll(keepingCapacity: true)
        self.chain.removeAll(keepingCapacity: true)
        self.chain.append(contentsOf: chain.utf8)
        timestamp.set(microseconds: microseconds)
    }

    /// Appends the line `{"seq":N,"ts":"<ts>",<body>,"chain":"<hex>"}` and a newline, where the
    /// chain is SHA-256(previous chain ‖ P) (SPEC section 7) and P is everything before `,"chain"`.
    /// P is written straight into `bytes` and hashed there, after the previous chain, without
    /// joining the two.
    mutating func appendLine(seq: UInt64, record: PreparedRecord) {
        let lineStart = bytes.count
        Self.append(#"{"seq":"#, to: &bytes)
        Self.appendDecimal(seq, to: &bytes)
        Self.append(#","ts":""#, to: &bytes)
        bytes.append(contentsOf: timestamp.bytes)
        Self.append(#"","#, to: &bytes)
        record.writeBody(to: &bytes)

        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { output in
            chain.withUnsafeBytes { previous in
                bytes.withUnsafeBytes { line in
                    LibCrypto.SHA256.hash(previous, UnsafeRawBufferPointer(rebasing: line[lineStart...]), into: output)
                }
            }
        }
        // Hex on the stack, then one copy each into `chain` and the line.
        var hex: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &hex) { text in
            withUnsafeBytes(of: &digest) { raw in
                for index in 0..<32 {
                    text[2 * index] = Self.hexDigit(raw[index] >> 4)
                    text[2 * index + 1] = Self.hexDigit(raw[index] & 0x0F)
                }
            }
        }
        withUnsafeBytes(of: &hex) { text in
            chain.removeAll(keepingCapacity: true)
            chain.append(contentsOf: text)
            Self.append(#","chain":""#, to: &bytes)
            bytes.append(contentsOf: text)
        }
        Self.append(#""}"#, to: &bytes)
        bytes.append(0x0A)
    }

    var chainString: String { String(decoding: chain, as: UTF8.self) }

    /// Appends a constant: its bytes are copied straight from the binary, with no String or
    /// static array (whose lazy initializer is checked on every access) in between.
    @inline(__always)
    static func append(_ text: StaticString, to output: inout [UInt8]) {
        text.withUTF8Buffer { output.append(contentsOf: $0) }
    }

    /// A lower-case hex digit, without a table lookup.
    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 &+ nibble : 0x57 &+ nibble }

    /// `String(value)` without the String.
    static func appendDecimal(_ value: UInt64, to output: inout [UInt8]) {
        if value < 10 {
            output.append(0x30 + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: UInt64.max has 20 digits
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            var index = 24
            while rest > 0 {
                index -= 1
                raw[index] = 0x30 + UInt8(rest % 10)
                rest /= 10
            }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[index...]))
        }
    }
}
