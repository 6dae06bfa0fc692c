public import Secp256k1
internal import LibCrypto
internal import Sodium

/// A ColonyOS identity: a secp256k1 private key and the id the server knows it by.
///
/// The id is the lowercase hex SHA3-256 of the 130 lowercase hex characters of the uncompressed
/// public key (the text, not the 65 bytes), as in Go and pycolonies (COLONYOS.md section 3).
public struct ColoniesIdentity: Sendable {
    public let privateKey: Secp256k1.PrivateKey
    /// 64 lowercase hex characters.
    public let id: String
    /// The uncompressed public key as 130 lowercase hex characters.
    public let publicKeyHex: String

    public init(privateKey: Secp256k1.PrivateKey) {
        self.privateKey = privateKey
        self.publicKeyHex = Hex.encode(privateKey.publicKey.uncompressed)
        self.id = Self.id(publicKeyHex: self.publicKeyHex)
    }

    /// 64 hex digits; the error never repeats the key.
    public init(privateKeyHex: String) throws(ColoniesError) {
        do {
            try self.init(privateKey: Secp256k1.PrivateKey(hex: privateKeyHex))
        } catch {
            throw .invalidKey(file: nil, reason: error.description)
        }
    }

    /// A new random identity (for tests and for operators setting up an executor).
    public static func generate() -> ColoniesIdentity {
        ColoniesIdentity(privateKey: .generate())
    }

    /// The private key as 64 lowercase hex characters, the form of a key file.
    public var privateKeyHex: String { Hex.encode(self.privateKey.bytes) }

    /// Signs the text of an RPC's `payload` field (the base64 text exactly as sent): ECDSA over
    /// its SHA3-256, returned as `r || s || v` in 130 lowercase hex characters, v being 0 or 1.
    public func sign(_ payload: String) -> String {
        do {
            return Hex.encode(try self.privateKey.sign(digest: SHA3_256.hash(payload)).bytes)
        } catch {
            // Only a wrong digest length or a key outside [1, n) can fail, and neither can reach here.
            preconditionFailure("signing a SHA3-256 digest with a verified key failed: \(error)")
        }
    }

    /// What the server does with a request: the id of whoever signed `payload`, or nil if
    /// `signature` is not 130 hex characters of a valid signature. Another key's or a corrupted
    /// signature gives some other id, not nil.
    public static func signerID(payload: String, signature: String) -> String? {
        guard let bytes = Hex.decode(signature),
            let parsed = try? Secp256k1.RecoverableSignature(bytes: bytes),
            let publicKey = try? Secp256k1.recoverPublicKey(digest: SHA3_256.hash(payload), signature: parsed)
        else { return nil }
        return id(publicKeyHex: Hex.encode(publicKey.uncompressed))
    }

    private static func id(publicKeyHex: String) -> String {
        Hex.encode(SHA3_256.hash(publicKeyHex))
    }
}

extension ColoniesIdentity: CustomStringConvertible {
    /// Names the identity by its id, never its key.
    public var description: String { "ColoniesIdentity(id: \(self.id))" }
}
