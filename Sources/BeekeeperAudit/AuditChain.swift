import Sodium

/// The hash chain and checkpoint message of SPEC section 7.
enum AuditChain {
    /// chain_0: 64 ASCII zeros.
    static let genesis = String(repeating: "0", count: 64)

    static let checkpointType = "audit.checkpoint"
    static let recoveredType = "audit.recovered"
    static let gapType = "audit.gap"

    /// chain_n = hex(SHA-256(chain_{n-1} as 64 ASCII hex bytes ‖ P_n)).
    static func next(previous: String, prefix: some ContiguousBytes) -> String {
        var hasher = SHA256()
        hasher.update(previous)
        hasher.update(prefix)
        return Hex.encode(hasher.finalize())
    }

    /// What a checkpoint signs: the seq and chain of the record before it.
    static func checkpointMessage(seq: UInt64, chain: String) -> [UInt8] {
        Array("beekeeper-audit-checkpoint v1\n\(seq)\n\(chain)\n".utf8)
    }
}
