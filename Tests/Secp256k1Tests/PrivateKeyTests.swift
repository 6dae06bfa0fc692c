import Secp256k1
import Sodium
import Testing

@Suite struct PrivateKeyTests {
    /// n, the order of the secp256k1 group.
    static let order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"

    @Test func zeroIsRefused() {
        #expect(throws: Secp256k1Error.privateKeyOutOfRange) {
            try Secp256k1.PrivateKey(hex: String(repeating: "0", count: 64))
        }
    }

    @Test func orderAndAboveAreRefused() {
        #expect(throws: Secp256k1Error.privateKeyOutOfRange) { try Secp256k1.PrivateKey(hex: Self.order) }
        #expect(throws: Secp256k1Error.privateKeyOutOfRange) {
            try Secp256k1.PrivateKey(hex: "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142")
        }
        #expect(throws: Secp256k1Error.privateKeyOutOfRange) { try Secp256k1.PrivateKey(hex: String(repeating: "f", count: 64)) }
    }

    @Test func orderMinusOneIsAccepted() throws {
        let key = try Secp256k1.PrivateKey(hex: "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140")
        #expect(key.publicKey.uncompressed.count == 65)
    }

    @Test func wrongLengthsAreRefused() {
        #expect(throws: Secp256k1Error.wrongLength(what: "private key", expected: 32, got: 31)) {
            try Secp256k1.PrivateKey(bytes: [UInt8](repeating: 1, count: 31))
        }
        #expect(throws: Secp256k1Error.wrongLength(what: "private key", expected: 32, got: 33)) {
            try Secp256k1.PrivateKey(hex: String(repeating: "01", count: 33))
        }
        #expect(throws: Secp256k1Error.wrongLength(what: "private key", expected: 32, got: 0)) { try Secp256k1.PrivateKey(hex: "") }
    }

    @Test func nonHexIsRefused() {
        for text in [String(repeating: "g", count: 64), "0x" + String(repeating: "1", count: 62), String(repeating: "1", count: 63), " " + String(repeating: "1", count: 63)] {
            #expect(throws: Secp256k1Error.notHex(what: "private key")) { try Secp256k1.PrivateKey(hex: text) }
        }
    }

    @Test func keyNeverShowsInText() throws {
        let key = Secp256k1.PrivateKey.generate()
        let hex = Hex.encode(key.bytes)
        #expect(!"\(key)".contains(hex))
        #expect(!String(reflecting: key).contains(hex))
    }

    @Test func digestMustBe32Bytes() throws {
        let key = Secp256k1.PrivateKey.generate()
        #expect(throws: Secp256k1Error.wrongLength(what: "digest", expected: 32, got: 31)) { try key.sign(digest: [UInt8](repeating: 7, count: 31)) }
        let signature = try key.sign(digest: [UInt8](repeating: 7, count: 32))
        #expect(throws: Secp256k1Error.wrongLength(what: "digest", expected: 32, got: 33)) {
            try Secp256k1.recoverPublicKey(digest: [UInt8](repeating: 7, count: 33), signature: signature)
        }
    }
}
