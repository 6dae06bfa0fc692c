import LibCrypto

/// The writer's reusable bytes: a group of lines is assembled here, hashed as it goes, and
/// handed to one `pwrite`. Capacity is kept between groups, so a steady log allocates nothing
/// per record on this path.
struct AuditLineBuffer {
    /// The lines of the group being committed, newline-terminated.
    private(set) var bytes: [UInt8] = []
    /// chain_{n-1} (64 hex bytes) ‖ P_n: the SHA-256 input of one record, built in place.
    private var scratch: [UInt8] = []
    /// The chain of the last line appended (64 lower-case hex bytes).
    private(set) var chain: [UInt8]

    init(chain: String) {
        self.chain = Array(chain.utf8)
        bytes.reserveCapacity(64 * 1024)
        scratch.reserveCapacity(4096)
    }

    /// Starts a group after `chain` (the last committed one): drops the previous group's bytes.
    mutating func begin(after chain: String) {
        bytes.removeAll(keepingCapacity: true)
        self.chain.removeAll(keepingCapacity: true)
        self.chain.append(contentsOf: chain.utf8)
    }

    /// Appends the line `{"seq":N,"ts":"<ts>",<body>,"chain":"<hex>"}` and a newline, where the
    /// chain is SHA-256(previous chain ‖ P) (SPEC section 7) and P is everything before `,"chain"`.
    mutating func appendLine(seq: UInt64, ts: [UInt8], body: [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: chain)
        scratch.append(contentsOf: Self.seqKey)
        Self.appendDecimal(seq, to: &scratch)
        scratch.append(contentsOf: Self.tsKey)
        scratch.append(contentsOf: ts)
        scratch.append(contentsOf: Self.afterTs)
        scratch.append(contentsOf: body)

        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { output in
            scratch.withUnsafeBytes { input in LibCrypto.SHA256.hash(input, into: output) }
        }
        bytes.append(contentsOf: scratch[64...])
        bytes.append(contentsOf: AuditLine.chainMarker)
        chain.removeAll(keepingCapacity: true)
        withUnsafeBytes(of: &digest) { raw in
            for byte in raw {
                chain.append(Self.hexDigits[Int(byte >> 4)])
                chain.append(Self.hexDigits[Int(byte & 0x0F)])
            }
        }
        bytes.append(contentsOf: chain)
        bytes.append(contentsOf: Self.lineEnd)
    }

    var chainString: String { String(decoding: chain, as: UTF8.self) }

    private static let seqKey: [UInt8] = Array(#"{"seq":"#.utf8)
    private static let tsKey: [UInt8] = Array(#","ts":""#.utf8)
    private static let afterTs: [UInt8] = Array(#"","#.utf8)
    private static let lineEnd: [UInt8] = [34, 125, 10]
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `String(value)` without the String.
    static func appendDecimal(_ value: UInt64, to output: inout [UInt8]) {
        if value < 10 {
            output.append(0x30 + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: UInt64.max has 20 digits
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while rest > 0 {
                raw[count] = 0x30 + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { output.append(raw[index]) }
        }
    }
}
