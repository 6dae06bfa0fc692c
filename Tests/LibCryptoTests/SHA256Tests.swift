import LibCrypto
import Testing

@Suite struct SHA256Tests {
    // FIPS 180-2 appendix B and the NIST example values.
    @Test func fipsVectors() {
        #expect(hex(SHA256.hash("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256.hash("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func slicesHashTheirOwnBytes() {
        let bytes = Array("xxabcxx".utf8)
        #expect(hex(SHA256.hash(bytes[2..<5])) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

@Suite struct SHA256IntoTests {
    @Test func hashIntoABufferEqualsTheArrayForm() {
        let input = Array("abc".utf8)
        var digest = [UInt8](repeating: 0xEE, count: 40)
        input.withUnsafeBytes { bytes in digest.withUnsafeMutableBytes { SHA256.hash(bytes, into: $0) } }
        #expect(Array(digest.prefix(32)) == SHA256.hash(input))
        #expect(digest.suffix(8).allSatisfy { $0 == 0xEE }, "writes exactly 32 bytes")
    }
}
