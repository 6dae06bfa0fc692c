internal import CSecp256k1

extension Secp256k1 {
    /// A signing key: a number d with 1 <= d < n, checked on creation, so every instance can sign.
    public struct PrivateKey: Sendable {
        public static let byteCount = 32

        /// The 32 big-endian bytes of d, for writing a key file; everything else goes through `sign`.
        public let bytes: [UInt8]

        public init(bytes: [UInt8]) throws(Secp256k1Error) {
            guard bytes.count == Self.byteCount else {
                throw .wrongLength(what: "private key", expected: Self.byteCount, got: bytes.count)
            }
            guard secp256k1_ec_seckey_verify(Secp256k1.context.pointer, bytes) == 1 else { throw .privateKeyOutOfRange }
            self.bytes = bytes
        }

        /// 64 hex digits, either case, as ColonyOS key files and `colonies security generate` hold them.
        public init(hex: String) throws(Secp256k1Error) {
            guard let bytes = Secp256k1.decodeHex(hex) else { throw .notHex(what: "private key") }
            try self.init(bytes: bytes)
        }

        /// A fresh key from the system's cryptographic random source (getrandom on Linux).
        public static func generate() -> PrivateKey {
            var generator = SystemRandomNumberGenerator()
            while true {
                // Out of range only with probability about 2^-128 per draw (d = 0 or d >= n).
                let candidate = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
                if let key = try? PrivateKey(bytes: candidate) { return key }
            }
        }

        /// d·G, the public key.
        public var publicKey: PublicKey {
            var point = secp256k1_pubkey()
            // Cannot fail: the key was verified in init.
            let created = secp256k1_ec_pubkey_create(Secp256k1.context.pointer, &point, self.bytes)
            precondition(created == 1, "secp256k1_ec_pubkey_create refused a verified key")
            return PublicKey(point)
        }

        /// Signs a 32-byte digest with an RFC 6979 nonce (libsecp256k1's default, selected by
        /// passing no nonce function), so the same key and digest always give the same signature,
        /// always with low s.
        public func sign(digest: [UInt8]) throws(Secp256k1Error) -> RecoverableSignature {
            guard digest.count == 32 else { throw .wrongLength(what: "digest", expected: 32, got: digest.count) }
            var signature = secp256k1_ecdsa_recoverable_signature()
            guard secp256k1_ecdsa_sign_recoverable(Secp256k1.context.pointer, &signature, digest, self.bytes, nil, nil) == 1 else {
                throw .signingFailed
            }
            return RecoverableSignature(signature)
        }
    }
}

/// Keeps the key out of logs and string interpolation; `bytes` is there for whoever needs it.
extension Secp256k1.PrivateKey: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "Secp256k1.PrivateKey(redacted)" }
    public var debugDescription: String { self.description }
}
