import BeekeeperCore
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
    /// The line is written straight into `bytes` through one pointer (room reserved from the
    /// record's ``PreparedRecord/bodyBound``) and P hashed there, after the previous chain,
    /// without joining the two.
    mutating func appendLine(seq: UInt64, record: PreparedRecord) {
        let ts = timestamp.bytes
        let previous = chain
        // `{"seq":` 20 digits `,"ts":"` ts `",` body `,"chain":"` 64 hex `"}` newline.
        let bound = 7 + 20 + 8 + ts.count + 2 + record.bodyBound + 10 + 64 + 3
        var hex: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        bytes.appendWritten(atMost: bound) { line in
            let lineStart = line.position
            line.append(#"{"seq":"#)
            line.appendDecimal(seq)
            line.append(#","ts":""#)
            ts.withUnsafeBytes { line.append($0) }
            line.append(#"","#)
            record.writeBody(to: &line)

            var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            let prefix = UnsafeRawBufferPointer(start: lineStart, count: line.position - lineStart)
            withUnsafeMutableBytes(of: &digest) { output in
                previous.withUnsafeBytes { LibCrypto.SHA256.hash($0, prefix, into: output) }
            }
            withUnsafeMutableBytes(of: &hex) { text in
                withUnsafeBytes(of: &digest) { raw in
                    for index in 0..<32 {
                        text[2 * index] = Self.hexDigit(raw[index] >> 4)
                        text[2 * index + 1] = Self.hexDigit(raw[index] & 0x0F)
                    }
                }
                line.append(#","chain":""#)
                line.append(UnsafeRawBufferPointer(text))
            }
            line.append(#""}"#)
            line.append(0x0A)
        }
        chain.removeAll(keepingCapacity: true)
        withUnsafeBytes(of: &hex) { chain.append(contentsOf: $0) }
    }

    var chainString: String { String(decoding: chain, as: UTF8.self) }

    /// A lower-case hex digit, without a table lookup.
    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 &+ nibble : 0x57 &+ nibble }

    /// `String(value)` without the String.
    static func appendDecimal(_ value: UInt64, to output: inout [UInt8]) {
        output.appendWritten(atMost: 20) { $0.appendDecimal(value) }
    }
}
