import Sodium
import Testing

@Suite struct Ed25519Tests {
    // RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte 0x72).
    @Test func rfc8032EmptyMessage() throws {
        let pair = Ed25519.KeyPair.fromSeed(Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!)
        #expect(pair.publicKey.hex == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let signature = pair.signature(for: [UInt8]())
        #expect(Hex.encode(signature) == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        #expect(pair.publicKey.isValidSignature(signature, for: [UInt8]()))
    }

    @Test func rfc8032OneByteMessage() throws {
        let pair = Ed25519.KeyPair.fromSeed(Hex.decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")!)
        #expect(pair.publicKey.hex == "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
        let signature = pair.signature(for: [0x72])
        #expect(Hex.encode(signature) == "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
    }

    @Test func tamperedMessageOrSignatureIsRejected() throws {
        let pair = Ed25519.KeyPair.generate()
        let message = Array("beekeeper-request v1\nPOST\n/v1/tasks\n".utf8)
        var signature = pair.signature(for: message)
        #expect(pair.publicKey.isValidSignature(signature, for: message))
        #expect(!pair.publicKey.isValidSignature(signature, for: message + [0x0A]))
        signature[10] ^= 0x01
        #expect(!pair.publicKey.isValidSignature(signature, for: message))
        #expect(!pair.publicKey.isValidSignature(Array(signature.prefix(63)), for: message))
    }

    @Test func secretKeyRoundTrips() throws {
        let pair = Ed25519.KeyPair.generate()
        let loaded = try Ed25519.KeyPair(secretKey: pair.secretKeyBytes)
        #expect(loaded.publicKey == pair.publicKey)
        #expect(throws: Ed25519.KeyError.self) { try Ed25519.KeyPair(secretKey: [1, 2, 3]) }
        #expect(throws: Ed25519.KeyError.self) { try Ed25519.PublicKey(hex: "zz") }
    }
}

@Suite struct DigestTests {
    // FIPS 180-2 / NIST examples.
    @Test func sha256Vectors() {
        #expect(Hex.encode(SHA256.hash("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(SHA256.hash("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func incrementalEqualsOneShot() {
        let data = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = SHA256()
        hasher.update(Array(data[0..<1]))
        hasher.update(Array(data[1..<4096]))
        hasher.update(Array(data[4096...]))
        #expect(hasher.finalize() == SHA256.hash(data))
    }

    // RFC 4231 test case 2.
    @Test func hmacSHA256Vector() {
        let mac = HMACSHA256.authenticate("what do ya want for nothing?", key: Array("Jefe".utf8))
        #expect(Hex.encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func base64AndHexCodecs() {
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.decode("Zm8=") == Array("fo".utf8))
        #expect(Base64.decode("Zm8=!") == nil)
        #expect(Base64.decode("not base64 at all") == nil)
        #expect(Hex.decode("00ff10") == [0, 255, 16])
        #expect(Hex.decode("0") == nil)
        #expect(Hex.decode("gg") == nil)
        #expect(Sodium.constantTimeEquals([1, 2], [1, 2]))
        #expect(!Sodium.constantTimeEquals([1, 2], [1, 3]))
    }
}
