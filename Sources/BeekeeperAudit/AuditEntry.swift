public import BeekeeperCore

/// One record as the review pages show it: the parsed record and its line exactly as stored.
public struct AuditEntry: Sendable {
    public var seq: UInt64
    public var type: String
    public var ts: String
    public var chain: String
    public var record: JSONValue
    /// The line as stored, without its newline.
    public var line: String

    init(_ parsed: AuditLine, bytes: [UInt8]) {
        seq = parsed.seq
        type = parsed.type
        ts = parsed.ts
        chain = parsed.chain
        record = parsed.value
        line = String(decoding: bytes, as: UTF8.self)
    }
}

extension AuditEntry {
    /// Whether this record's chain follows from `previousChain` (SPEC section 7).
    public func linkHolds(previousChain: String) -> Bool {
        let bytes = Array(line.utf8)
        guard case .success(let parsed) = AuditLine.parse(bytes[...]) else { return false }
        return AuditChain.next(previous: previousChain, prefix: bytes[0..<parsed.prefixCount]) == parsed.chain
    }

    /// Microseconds since the epoch of `ts`, nil when it is not the log's timestamp form.
    public var microseconds: Int64? { AuditTimestamp.parse(ts) }
}
