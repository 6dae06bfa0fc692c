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
            line.append(#","chain":""#)
            withUnsafeBytes(of: &digest) { line.appendLowerHex($0) }
            line.append(#""}"#)
            line.append(0x0A)
        }
        // The new chain is the hex just written: the 64 bytes before the line's `"}` and newline.
        chain.removeAll(keepingCapacity: true)
        chain.append(contentsOf: bytes[(bytes.count - 67)..<(bytes.count - 3)])
    }

    var chainString: String { String(decoding: chain, as: UTF8.self) }
}
