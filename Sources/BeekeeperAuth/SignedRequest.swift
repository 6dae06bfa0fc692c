public import Sodium

/// The signed-request scheme of SPEC section 4, shared by the server (verify) and `beekeeper submit` (sign).
public enum SignedRequest {
    public static let keyHeader = "X-Beekeeper-Key"
    public static let timestampHeader = "X-Beekeeper-Timestamp"
    public static let nonceHeader = "X-Beekeeper-Nonce"
    public static let signatureHeader = "X-Beekeeper-Signature"
    public static let nonceLengths = 16...64

    /// The exact bytes that are signed:
    /// `beekeeper-request v1\n<METHOD>\n<PATH>\n<TIMESTAMP>\n<NONCE>\n<hex sha256 of body>`.
    public static func canonicalString(method: String, path: String, timestamp: Int64, nonce: String, bodySHA256Hex: String) -> String {
        "beekeeper-request v1\n\(method.uppercased())\n\(path)\n\(timestamp)\n\(nonce)\n\(bodySHA256Hex)"
    }

    /// The four headers that sign `body` for `method` and `path` (the request target as sent, query included).
    public static func headers(
        method: String,
        path: String,
        body: [UInt8],
        keyName: String,
        keyPair: Ed25519.KeyPair,
        timestamp: Int64,
        nonce: String = Hex.encode(Sodium.randomBytes(16))
    ) -> [(name: String, value: String)] {
        let message = canonicalString(
            method: method, path: path, timestamp: timestamp, nonce: nonce, bodySHA256Hex: Hex.encode(SHA256.hash(body)))
        let signature = keyPair.signature(for: Array(message.utf8))
        return [
            (keyHeader, keyName),
            (timestampHeader, String(timestamp)),
            (nonceHeader, nonce),
            (signatureHeader, Base64.encode(signature)),
        ]
    }
}
