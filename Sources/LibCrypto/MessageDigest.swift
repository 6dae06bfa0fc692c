internal import CLibCrypto

/// One digest algorithm fetched from OpenSSL's default provider, for the life of the process.
///
/// Fetched once on purpose: the legacy `EVP_sha3_256()` style objects make OpenSSL 3 look the
/// algorithm up in its provider on every `EVP_Digest` call, which costs more than hashing a
/// short message. An explicitly fetched `EVP_MD` skips that lookup.
///
/// `@unchecked Sendable`: a fetched `EVP_MD` is immutable and reference counted, and OpenSSL
/// documents fetched algorithms as safe to use from many threads at once.
final class MessageDigest: @unchecked Sendable {
    let byteCount: Int
    let algorithm: OpaquePointer

    init(name: String, byteCount: Int) {
        // Only a libcrypto without its default provider (a broken installation) lacks SHA-256 or
        // SHA3-256; no caller could do anything useful with an error, and nothing may go unhashed.
        guard let algorithm = EVP_MD_fetch(nil, name, nil) else {
            preconditionFailure("OpenSSL cannot provide the \(name) digest: libcrypto's default provider is missing")
        }
        precondition(Int(EVP_MD_get_size(algorithm)) == byteCount, "OpenSSL's \(name) digest is not \(byteCount) bytes long")
        self.algorithm = algorithm
        self.byteCount = byteCount
    }

    deinit {
        EVP_MD_free(self.algorithm)
    }

    func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: self.byteCount)
        var written: UInt32 = 0
        let status = digest.withUnsafeMutableBufferPointer { output in
            EVP_Digest(bytes.baseAddress, bytes.count, output.baseAddress, &written, self.algorithm, nil)
        }
        // EVP_Digest fails only when it cannot allocate its context: the process is out of memory.
        precondition(status == 1 && Int(written) == self.byteCount, "OpenSSL EVP_Digest failed (out of memory)")
        return digest
    }

    /// Hashes `bytes` into `digest` (at least `byteCount` bytes) with no allocation of its own:
    /// for the audit writer, which hashes every record into a buffer it reuses.
    func hash(_ bytes: UnsafeRawBufferPointer, into digest: UnsafeMutableRawBufferPointer) {
        precondition(digest.count >= self.byteCount, "digest buffer too small")
        var written: UInt32 = 0
        let status = EVP_Digest(
            bytes.baseAddress, bytes.count, digest.baseAddress?.assumingMemoryBound(to: UInt8.self), &written, self.algorithm, nil)
        precondition(status == 1 && Int(written) == self.byteCount, "OpenSSL EVP_Digest failed (out of memory)")
    }

    /// Hashes contiguous storage in place; anything else (a lazy view, a slice of a non-array)
    /// is copied once into an array first.
    func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        if let digest = bytes.withContiguousStorageIfAvailable({ self.hash(UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return Array(bytes).withUnsafeBytes { self.hash($0) }
    }
}
