internal import CSodium

public enum Ed25519 {
    public static let publicKeyByteCount = 32
    public static let secretKeyByteCount = 64
    public static let seedByteCount = 32
    public static let signatureByteCount = 64

    public enum KeyError: Error, Equatable, CustomStringConvertible {
        case wrongLength(expected: Int, got: Int)
        case notHex
        case notBase64

        public var description: String {
            switch self {
            case .wrongLength(let expected, let got): return "expected \(expected) bytes, got \(got)"
            case .notHex: return "not a hex string"
            case .notBase64: return "not base64"
            }
        }
    }

    /// A verifying key: 32 bytes, written as 64 hex characters in config and key files.
    public struct PublicKey: Sendable, Equatable, Hashable {
        public let bytes: [UInt8]

        public init(bytes: [UInt8]) throws(KeyError) {
            guard bytes.count == publicKeyByteCount else { throw .wrongLength(expected: publicKeyByteCount, got: bytes.count) }
            self.bytes = bytes
        }

        public init(hex: String) throws(KeyError) {
            guard let bytes = Hex.decode(hex) else { throw .notHex }
            try self.init(bytes: bytes)
        }

        public var hex: String { Hex.encode(bytes) }

        public func isValidSignature(_ signature: [UInt8], for message: some ContiguousBytes) -> Bool {
            _ = Sodium.ready
            guard signature.count == signatureByteCount else { return false }
            return Sodium.withMessagePointer(message) { messagePointer, messageCount in
                crypto_sign_verify_detached(signature, messagePointer, UInt64(messageCount), bytes) == 0
            }
        }
    }

    /// A signing key. The secret half never leaves this type except through `secretKeyBytes`,
    /// used only to write the key file.
    public struct KeyPair: Sendable {
        public let publicKey: PublicKey
        private let secretKey: [UInt8]

        /// A fresh random key pair.
        public static func generate() -> KeyPair {
            fromSeed(Sodium.randomBytes(seedByteCount))
        }

        /// The key pair for a 32-byte seed (RFC 8032 test vectors are given this way).
        public static func fromSeed(_ seed: [UInt8]) -> KeyPair {
            _ = Sodium.ready
            precondition(seed.count == seedByteCount, "Ed25519 seed must be 32 bytes")
            var publicBytes = [UInt8](repeating: 0, count: publicKeyByteCount)
            var secretBytes = [UInt8](repeating: 0, count: secretKeyByteCount)
            _ = crypto_sign_seed_keypair(&publicBytes, &secretBytes, seed)
            return KeyPair(publicKey: try! PublicKey(bytes: publicBytes), secretKey: secretBytes)
        }

        /// Loads the 64-byte secret key (seed ‖ public key), as written by `secretKeyBytes`.
        public init(secretKey: [UInt8]) throws(KeyError) {
            guard secretKey.count == secretKeyByteCount else { throw .wrongLength(expected: secretKeyByteCount, got: secretKey.count) }
            let derived = KeyPair.fromSeed(Array(secretKey[0..<seedByteCount]))
            guard derived.secretKey == secretKey else { throw .wrongLength(expected: secretKeyByteCount, got: secretKey.count) }
            self = derived
        }

        private init(publicKey: PublicKey, secretKey: [UInt8]) {
            self.publicKey = publicKey
            self.secretKey = secretKey
        }

        public var secretKeyBytes: [UInt8] { secretKey }

        public func signature(for message: some ContiguousBytes) -> [UInt8] {
            _ = Sodium.ready
            var signature = [UInt8](repeating: 0, count: signatureByteCount)
            Sodium.withMessagePointer(message) { messagePointer, messageCount in
                _ = crypto_sign_detached(&signature, nil, messagePointer, UInt64(messageCount), secretKey)
            }
            return signature
        }
    }
}
