import Secp256k1
import Sodium
import Testing

/// The vectors of COLONYOS.md section 3, on which Go (btcec), pycolonies and a C program agree
/// byte for byte. Digests are the SHA3-256 of each message, given here so that this suite tests
/// libsecp256k1 alone (LibCryptoTests checks the digests themselves).
@Suite struct KnownAnswerTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let privateKey: String
        let digest: String
        let signature: String
        var testDescription: String { "key \(privateKey.prefix(8))…" }
    }

    static let vectors = [
        Vector(
            privateKey: "0000000000000000000000000000000000000000000000000000000000000001",
            digest: "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a",
            signature: "ab1a548e7964281d13c2e4c3d260fdf29acd9d6e8d21edc63522c972ab3d2aba0e94f1d6c7a3282498a7f15eaabda6ed2c60adf28208d7f3ffcaef36a23d1eb200"),
        Vector(
            privateKey: "48289efe232b9b063f5d4bb079ff17843f546ad30d9357dc4921ea27b03d681a",
            digest: "6926269ead6f83b30584724018fe5d26cd6d6690b30352a84427314bb53fe9fe",
            signature: "74b83c77618ecab639d6fd6532ff79499728db1027337be7fd1cccf8460fad336273b67e5a8a7906e6dee269e92eb70b7604855dc3842cc880017687feb0f88700"),
        Vector(
            privateKey: "8332ac4fbf4574337d879fc106b0c99b1c16ad51573339257239a98dc568d679",
            digest: "7ab9e36989e50a3082c82699b23e3c7df0b3196419ad301bccb42eca70c40042",
            signature: "883e4604ec74124fb53635785e9db26aadcaefa5273f8a3347f6897c3458088430b49299cb759340ba88d0f72d306b080c35d6ca4734350cbbf4cccfeea1fbd901"),
    ]

    @Test func generatorPointIsThePublicKeyOfOne() throws {
        let key = try Secp256k1.PrivateKey(hex: Self.vectors[0].privateKey)
        #expect(Hex.encode(key.publicKey.uncompressed) == "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")
    }

    @Test(arguments: vectors) func signatureIsByteIdentical(_ vector: Vector) throws {
        let key = try Secp256k1.PrivateKey(hex: vector.privateKey)
        let signature = try key.sign(digest: Hex.decode(vector.digest)!)
        #expect(Hex.encode(signature.bytes) == vector.signature)
        #expect(signature.recoveryID == Int(Hex.decode(vector.signature)!.last!))
    }

    @Test(arguments: vectors) func recoveryGivesTheSigner(_ vector: Vector) throws {
        let key = try Secp256k1.PrivateKey(hex: vector.privateKey)
        let signature = try Secp256k1.RecoverableSignature(bytes: Hex.decode(vector.signature)!)
        let recovered = try Secp256k1.recoverPublicKey(digest: Hex.decode(vector.digest)!, signature: signature)
        #expect(recovered == key.publicKey)
    }

    @Test func upperCaseHexIsTheSameKey() throws {
        let vector = Self.vectors[2]
        let lower = try Secp256k1.PrivateKey(hex: vector.privateKey)
        let upper = try Secp256k1.PrivateKey(hex: vector.privateKey.uppercased())
        #expect(lower.bytes == upper.bytes)
    }
}
