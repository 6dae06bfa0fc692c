import Secp256k1
import Sodium
import Testing

@Suite struct SignatureTests {
    /// n / 2 (rounded down): ColonyOS refuses any s above it.
    static let halfOrder = Hex.decode("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")!

    static func randomDigest() -> [UInt8] { Sodium.randomBytes(32) }

    @Test func sIsAlwaysLowAndTheSignerIsRecovered() throws {
        for _ in 0..<500 {
            let key = Secp256k1.PrivateKey.generate()
            let digest = Self.randomDigest()
            let signature = try key.sign(digest: digest)
            let s = Array(signature.compact[32..<64])
            #expect(s.lexicographicallyPrecedes(Self.halfOrder) || s == Self.halfOrder)
            #expect([0, 1].contains(signature.recoveryID))
            #expect(try Secp256k1.recoverPublicKey(digest: digest, signature: signature) == key.publicKey)
        }
    }

    @Test func signingIsDeterministic() throws {
        let key = Secp256k1.PrivateKey.generate()
        let digest = Self.randomDigest()
        #expect(try key.sign(digest: digest) == key.sign(digest: digest))
    }

    @Test func theOtherRecoveryIDRecoversAnotherKey() throws {
        let key = Secp256k1.PrivateKey.generate()
        let digest = Self.randomDigest()
        let signature = try key.sign(digest: digest)
        let flipped = try Secp256k1.RecoverableSignature(compact: signature.compact, recoveryID: 1 - signature.recoveryID)
        #expect(try Secp256k1.recoverPublicKey(digest: digest, signature: flipped) != key.publicKey)
    }

    @Test func corruptionRecoversAnotherKeyOrNone() throws {
        let key = Secp256k1.PrivateKey.generate()
        let digest = Self.randomDigest()
        let signature = try key.sign(digest: digest)
        for index in [0, 17, 31, 32, 50, 63] {
            var bytes = signature.bytes
            bytes[index] ^= 0x01
            // A flipped bit in r may leave no point with that x (recovery fails); otherwise
            // recovery succeeds with some other key, which is what ColonyOS then rejects.
            guard let corrupted = try? Secp256k1.RecoverableSignature(bytes: bytes),
                let recovered = try? Secp256k1.recoverPublicKey(digest: digest, signature: corrupted)
            else { continue }
            #expect(recovered != key.publicKey)
        }
        var otherDigest = digest
        otherDigest[0] ^= 0x80
        #expect((try? Secp256k1.recoverPublicKey(digest: otherDigest, signature: signature)) != key.publicKey)
    }

    @Test func malformedSignaturesAreRefused() throws {
        let signature = try Secp256k1.PrivateKey.generate().sign(digest: Self.randomDigest())
        #expect(throws: Secp256k1Error.invalidSignature) { try Secp256k1.RecoverableSignature(compact: signature.compact, recoveryID: 4) }
        #expect(throws: Secp256k1Error.invalidSignature) { try Secp256k1.RecoverableSignature(compact: signature.compact, recoveryID: 27) }
        // r = n is out of range.
        let order = Hex.decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")!
        #expect(throws: Secp256k1Error.invalidSignature) {
            try Secp256k1.RecoverableSignature(compact: order + signature.compact[32...], recoveryID: 0)
        }
        #expect(throws: Secp256k1Error.wrongLength(what: "recoverable signature", expected: 65, got: 64)) {
            try Secp256k1.RecoverableSignature(bytes: signature.compact)
        }
    }

    @Test func publicKeysMustBeUncompressedPointsOnTheCurve() throws {
        let key = Secp256k1.PrivateKey.generate().publicKey
        #expect(try Secp256k1.PublicKey(uncompressed: key.uncompressed) == key)
        var offCurve = key.uncompressed
        offCurve[64] ^= 0x01
        #expect(throws: Secp256k1Error.invalidPublicKey) { try Secp256k1.PublicKey(uncompressed: offCurve) }
        var compressedPrefix = key.uncompressed
        compressedPrefix[0] = 0x02
        #expect(throws: Secp256k1Error.invalidPublicKey) { try Secp256k1.PublicKey(uncompressed: compressedPrefix) }
    }
}
