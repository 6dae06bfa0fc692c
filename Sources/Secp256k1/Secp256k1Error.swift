/// Why a key, digest or signature was refused.
public enum Secp256k1Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// `what` ("private key", "digest", ...) had `got` bytes (or hex digits / 2) instead of `expected`.
    case wrongLength(what: String, expected: Int, got: Int)
    /// Text that should be hex has another character in it.
    case notHex(what: String)
    /// A private key must be a number d with 1 <= d < n, the order of the curve.
    case privateKeyOutOfRange
    /// Not an uncompressed point on the curve.
    case invalidPublicKey
    /// r or s not in [1, n), or a recovery id outside 0...3.
    case invalidSignature
    /// No public key matches this digest and signature.
    case recoveryFailed
    /// libsecp256k1 refused to sign; with a verified key and the default nonce this does not happen.
    case signingFailed

    public var description: String {
        switch self {
        case .wrongLength(let what, let expected, let got): "\(what) must be \(expected) bytes, got \(got)"
        case .notHex(let what): "\(what) is not hex"
        case .privateKeyOutOfRange: "private key is zero or not below the secp256k1 group order"
        case .invalidPublicKey: "not an uncompressed secp256k1 public key"
        case .invalidSignature: "not a valid recoverable secp256k1 signature"
        case .recoveryFailed: "no public key can be recovered from this signature and digest"
        case .signingFailed: "libsecp256k1 could not sign"
        }
    }
}
