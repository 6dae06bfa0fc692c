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

    /// A body read in parts (chunked, or split by the socket) has the digest of the whole, however
    /// it is cut: empty parts, one byte, parts across SHA-256's 64-byte blocks.
    @Test func incrementalEqualsOneShotForEverySplit() {
        var generator = SystemRandomNumberGenerator()
        let body = (0..<(64 * 1024 + 17)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let expected = SHA256.hash(body)
        let splits: [[Int]] = [
            [body.count], [0, body.count, 0], [1, 63, 64, 65],
            Array(repeating: 4096, count: 16) + [17], Array(repeating: 1000, count: 65) + [1553],
        ]
        for sizes in splits + [(0..<40).map { _ in Int.random(in: 0...4000, using: &generator) }] {
            let hasher = SHA256.Hasher()
            var offset = 0
            for size in sizes where offset < body.count {
                let end = min(body.count, offset + size)
                body[offset..<end].withUnsafeBytes { hasher.update($0) }
                offset = end
            }
            hasher.update(body[offset...])
            let digest = hasher.finalize()
            #expect(digest == expected, "split \(sizes)")
        }
        let empty = SHA256.Hasher().finalize()
        #expect(hex(empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let lazy = SHA256.Hasher()
        lazy.update("ab".utf8)
        lazy.update("c".utf8.lazy.map { $0 })
        let lazyDigest = lazy.finalize()
        #expect(hex(lazyDigest) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func slicesHashTheirOwnBytes() {
        let bytes = Array("xxabcxx".utf8)
        #expect(hex(SHA256.hash(bytes[2..<5])) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

@Suite struct SHA256IntoTests {
    /// The two-part form (the audit chain: previous chain ‖ line) equals the one-shot hash of the
    /// joined input at every split, including empty parts and splits across 64-byte blocks.
    @Test func twoPartsEqualTheJoinedInput() {
        let input = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        for split in [0, 1, 63, 64, 65, 127, 128, 200, 299, 300] {
            var digest = [UInt8](repeating: 0xEE, count: 36)
            input[..<split].withUnsafeBytes { first in
                input[split...].withUnsafeBytes { second in
                    digest.withUnsafeMutableBytes { SHA256.hash(first, second, into: $0) }
                }
            }
            #expect(Array(digest.prefix(32)) == SHA256.hash(input), "split at \(split)")
            #expect(digest.suffix(4).allSatisfy { $0 == 0xEE }, "writes exactly 32 bytes")
        }
        var empty = [UInt8](repeating: 0, count: 32)
        empty.withUnsafeMutableBytes { SHA256.hash(UnsafeRawBufferPointer(start: nil, count: 0), UnsafeRawBufferPointer(start: nil, count: 0), into: $0) }
        #expect(hex(empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func hashIntoABufferEqualsTheArrayForm() {
        let input = Array("abc".utf8)
        var digest = [UInt8](repeating: 0xEE, count: 40)
        input.withUnsafeBytes { bytes in digest.withUnsafeMutableBytes { SHA256.hash(bytes, into: $0) } }
        #expect(Array(digest.prefix(32)) == SHA256.hash(input))
        #expect(digest.suffix(8).allSatisfy { $0 == 0xEE }, "writes exactly 32 bytes")
    }
}
