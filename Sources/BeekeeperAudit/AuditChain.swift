import LibCrypto
import Sodium

/// The hash chain and checkpoint message of SPEC section 7.
enum AuditChain {
    /// chain_0: 64 ASCII zeros.
    static let genesis = String(repeating: "0", count: 64)

    static let checkpointType = "audit.checkpoint"
    static let recoveredType = "audit.recovered"
    static let gapType = "audit.gap"

    /// chain_n = hex(SHA-256(chain_{n-1} as 64 ASCII hex bytes ‖ P_n)).
    /// OpenSSL's SHA-256 (the CPU's SHA extensions where it has them): about five times
    /// libsodium's on audit-line lengths here, and every record hashes its line once.
    static func next(previous: String, prefix: some ContiguousBytes) -> String {
        var input: [UInt8] = []
        prefix.withUnsafeBytes { bytes in
            input.reserveCapacity(64 + bytes.count)
            input.append(contentsOf: previous.utf8)
            input.append(contentsOf: bytes)
        }
        return Hex.encode(LibCrypto.SHA256.hash(input))
    }

    /// What a checkpoint signs: the seq and chain of the record before it.
    static func checkpointMessage(seq: UInt64, chain: String) -> [UInt8] {
        Array("beekeeper-audit-checkpoint v1\n\(seq)\n\(chain)\n".utf8)
    }
}
