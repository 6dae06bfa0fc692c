/// Why a signed request was refused. `code` is the stable id used in error bodies and audit records.
public enum AuthFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case missingHeader(String)
    case unknownKey(String)
    case malformedTimestamp
    case staleTimestamp(skewSeconds: Int64)
    case malformedNonce
    case malformedSignature
    case badSignature
    case replayedNonce

    public var code: String {
        switch self {
        case .missingHeader: return "missing_signature"
        case .unknownKey: return "unknown_key"
        case .malformedTimestamp, .staleTimestamp: return "stale_timestamp"
        case .malformedNonce: return "bad_nonce"
        case .malformedSignature, .badSignature: return "bad_signature"
        case .replayedNonce: return "replayed_nonce"
        }
    }

    public var description: String {
        switch self {
        case .missingHeader(let name): return "missing header \(name)"
        case .unknownKey(let name): return "unknown key \"\(name)\""
        case .malformedTimestamp: return "X-Beekeeper-Timestamp is not unix seconds"
        case .staleTimestamp(let skew): return "timestamp is \(skew)s away from the server clock, beyond auth.clock_skew"
        case .malformedNonce: return "X-Beekeeper-Nonce must be 16 to 64 printable characters"
        case .malformedSignature: return "X-Beekeeper-Signature is not base64 of a 64-byte Ed25519 signature"
        case .badSignature: return "signature does not verify"
        case .replayedNonce: return "nonce was already used"
        }
    }
}
