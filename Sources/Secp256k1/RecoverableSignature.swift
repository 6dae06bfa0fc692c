internal import CSecp256k1

extension Secp256k1 {
    /// An ECDSA signature with the recovery id that names which of the candidate public keys
    /// signed: ColonyOS sends `r || s || v` and identifies the caller by the recovered key.
    public struct RecoverableSignature: Sendable, Hashable {
        /// `r || s`, 32 big-endian bytes each.
        public let compact: [UInt8]
        /// 0 or 1 for every signature libsecp256k1 makes (2 and 3 need r >= p - n: probability
        /// about 2^-127); ColonyOS sends it as is, not as Ethereum's 27/28.
        public let recoveryID: Int

        /// Checks r and s are in [1, n) and the recovery id in 0...3.
        public init(compact: [UInt8], recoveryID: Int) throws(Secp256k1Error) {
            guard compact.count == 64 else { throw .wrongLength(what: "compact signature", expected: 64, got: compact.count) }
            guard (0...3).contains(recoveryID) else { throw .invalidSignature }
            var parsed = secp256k1_ecdsa_recoverable_signature()
            guard secp256k1_ecdsa_recoverable_signature_parse_compact(Secp256k1.context.pointer, &parsed, compact, Int32(recoveryID)) == 1
            else { throw .invalidSignature }
            self.compact = compact
            self.recoveryID = recoveryID
        }

        /// The 65-byte `r || s || v` form of ColonyOS.
        public init(bytes: [UInt8]) throws(Secp256k1Error) {
            guard bytes.count == 65 else { throw .wrongLength(what: "recoverable signature", expected: 65, got: bytes.count) }
            try self.init(compact: Array(bytes[0..<64]), recoveryID: Int(bytes[64]))
        }

        /// `r || s || v`, 65 bytes.
        public var bytes: [UInt8] { self.compact + [UInt8(self.recoveryID)] }

        init(_ signature: secp256k1_ecdsa_recoverable_signature) {
            var signature = signature
            var compact = [UInt8](repeating: 0, count: 64)
            var recoveryID: Int32 = 0
            // Always 1: serialising only copies out of the opaque structure.
            _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(Secp256k1.context.pointer, &compact, &recoveryID, &signature)
            self.compact = compact
            self.recoveryID = Int(recoveryID)
        }

        /// The libsecp256k1 form; cannot fail because `init` parsed the same bytes already.
        var parsed: secp256k1_ecdsa_recoverable_signature {
            var parsed = secp256k1_ecdsa_recoverable_signature()
            _ = secp256k1_ecdsa_recoverable_signature_parse_compact(Secp256k1.context.pointer, &parsed, self.compact, Int32(self.recoveryID))
            return parsed
        }
    }
}
