import LibCrypto
import Testing

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

@Suite struct SHA3_256Tests {
    // FIPS 202 examples (NIST CSRC "SHA3-256" example values).
    @Test func fipsVectors() {
        #expect(hex(SHA3_256.hash("")) == "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a")
        #expect(hex(SHA3_256.hash("abc")) == "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532")
        #expect(hex(SHA3_256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) == "41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376")
        #expect(hex(SHA3_256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))) == "5c8875ae474a3634ba4fd55ec85bffd661f32aca75c6d699d0cdcb6c115891c1")
    }

    /// Keccak-256 pads differently; a library that confuses the two gives c5d24601... for "".
    @Test func isNotKeccak() {
        #expect(hex(SHA3_256.hash([UInt8]())) != "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    }

    /// COLONYOS.md section 3: the messages' digests, and vector 1's id, which is the SHA3-256 of
    /// the public key's 130 hex characters (the text, not the 65 bytes).
    @Test func coloniesVectors() {
        #expect(hex(SHA3_256.hash("hello colonies")) == "6926269ead6f83b30584724018fe5d26cd6d6690b30352a84427314bb53fe9fe")
        let payload = "eyJtc2d0eXBlIjogImFzc2lnbnByb2Nlc3Ntc2ciLCAidGltZW91dCI6IDEwLCAiY29sb255bmFtZSI6ICJkZXYifQ=="
        #expect(hex(SHA3_256.hash(payload)) == "7ab9e36989e50a3082c82699b23e3c7df0b3196419ad301bccb42eca70c40042")
        let publicKey = "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
        #expect(hex(SHA3_256.hash(publicKey)) == "2036f5bc759cfb3589fb4e2342bc9b3c843c5ef27dc8ded538de328a7567089b")
    }

    /// Slices, non-contiguous collections and strings all hash their bytes, not their layout.
    @Test func everyCollectionShapeHashesTheSameBytes() {
        let bytes = Array("The quick brown fox jumps over the lazy dog".utf8)
        let expected = SHA3_256.hash(bytes)
        #expect(SHA3_256.hash(ContiguousArray(bytes)) == expected)
        #expect(SHA3_256.hash(([0] + bytes + [0])[1...bytes.count]) == expected)
        #expect(SHA3_256.hash(bytes.lazy.map { $0 }) == expected)
        #expect(SHA3_256.hash("The quick brown fox jumps over the lazy dog") == expected)
        #expect(hex(expected) == "69070dda01975c8c120c3aada1b282394e7f032fa9cf32f4cb2259a0897dfc04")
    }

    @Test func concurrentCallsAgree() async {
        let expected = SHA3_256.hash("concurrent")
        await withTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<64 { group.addTask { SHA3_256.hash("concurrent") } }
            for await digest in group { #expect(digest == expected) }
        }
    }
}
