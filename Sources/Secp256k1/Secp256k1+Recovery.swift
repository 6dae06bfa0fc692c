internal import CSecp256k1

extension Secp256k1 {
    /// The public key that made `signature` over `digest`. A wrong digest, a corrupted signature
    /// or another recovery id usually still yields a key, just a different one: callers compare
    /// the result with whom they expected (ColonyOS compares its hash with the caller's id).
    public static func recoverPublicKey(digest: [UInt8], signature: RecoverableSignature) throws(Secp256k1Error) -> PublicKey {
        guard digest.count == 32 else { throw .wrongLength(what: "digest", expected: 32, got: digest.count) }
        var parsed = signature.parsed
        var point = secp256k1_pubkey()
        guard secp256k1_ecdsa_recover(self.context.pointer, &point, &parsed, digest) == 1 else { throw .recoveryFailed }
        return PublicKey(point)
    }
}
