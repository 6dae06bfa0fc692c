import Sodium

/// libsodium's SHA-256 under a name of its own: `body-hash` compares it with OpenSSL's, and both
/// modules call their type `SHA256` (this file imports only libsodium's).
enum SodiumDigest {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { SHA256.hash(bytes) }
}
