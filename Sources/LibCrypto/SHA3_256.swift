/// SHA3-256 of FIPS 202 (not the Keccak-256 that Ethereum calls "sha3"): ColonyOS hashes signed
/// payloads and public keys with it. libsodium has no SHA3, hence OpenSSL.
public enum SHA3_256 {
    public static let byteCount = 32
    private static let digest = MessageDigest(name: "SHA3-256", byteCount: byteCount)

    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] { digest.hash(bytes) }

    /// Hashes the UTF-8 bytes of `text`.
    public static func hash(_ text: String) -> [UInt8] { digest.hash(text.utf8) }
}
