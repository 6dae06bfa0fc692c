/// SHA-256 (FIPS 180-4) through OpenSSL, whose assembly (SHA extensions where the CPU has
/// them) outruns libsodium's portable C on long inputs such as audit lines.
public enum SHA256 {
    public static let byteCount = 32
    private static let digest = MessageDigest(name: "SHA2-256", byteCount: byteCount)

    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] { digest.hash(bytes) }

    /// Hashes `bytes` into the first 32 bytes of `digest`, allocating nothing.
    public static func hash(_ bytes: UnsafeRawBufferPointer, into digest: UnsafeMutableRawBufferPointer) {
        Self.digest.hash(bytes, into: digest)
    }

    /// Hashes the UTF-8 bytes of `text`.
    public static func hash(_ text: String) -> [UInt8] { digest.hash(text.utf8) }
}
