internal import CLibCrypto

/// SHA-256 (FIPS 180-4) through OpenSSL, whose assembly (SHA extensions where the CPU has
/// them) outruns libsodium's portable C on long inputs such as audit lines.
public enum SHA256 {
    public static let byteCount = 32
    fileprivate static let digest = MessageDigest(name: "SHA2-256", byteCount: byteCount)

    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] { digest.hash(bytes) }

    /// Hashes `bytes` into the first 32 bytes of `digest`, allocating nothing.
    public static func hash(_ bytes: UnsafeRawBufferPointer, into digest: UnsafeMutableRawBufferPointer) {
        Self.digest.hash(bytes, into: digest)
    }

    /// Hashes `first` followed by `second` into the first 32 bytes of `digest`, allocating
    /// nothing and without joining them: the audit chain hashes the previous chain and the new
    /// line's prefix, which live in different buffers. OpenSSL's low-level SHA-256 with the
    /// context on the stack, not `EVP_Digest` (two heap contexts and a provider call per hash).
    public static func hash(
        _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, into digest: UnsafeMutableRawBufferPointer
    ) {
        precondition(digest.count >= byteCount, "digest buffer too small")
        let status = beekeeper_sha256_concat(
            first.baseAddress, first.count, second.baseAddress, second.count,
            digest.baseAddress!.assumingMemoryBound(to: UInt8.self))
        // The low-level calls cannot fail on valid pointers; a 0 would mean a broken libcrypto.
        precondition(status == 1, "OpenSSL SHA256_Final failed")
    }

    /// Hashes the UTF-8 bytes of `text`.
    public static func hash(_ text: String) -> [UInt8] { digest.hash(text.utf8) }

    /// SHA-256 of input given in pieces, as they arrive (a request body part by part), so the
    /// whole need not be hashed again once it is buffered. One owner at a time; `finalize()` once.
    public struct Hasher: ~Copyable {
        private let context = MessageDigest.Context(SHA256.digest)

        public init() {}

        public func update(_ bytes: UnsafeRawBufferPointer) { context.update(bytes) }

        /// Hashes contiguous storage in place; anything else is copied once into an array first.
        public func update(_ bytes: some Collection<UInt8>) {
            if bytes.withContiguousStorageIfAvailable({ context.update(UnsafeRawBufferPointer($0)) }) == nil {
                Array(bytes).withUnsafeBytes { context.update($0) }
            }
        }

        public consuming func finalize() -> [UInt8] { context.finalize() }
    }
}
