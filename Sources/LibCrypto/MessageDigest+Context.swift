internal import CLibCrypto

extension MessageDigest {
    /// An OpenSSL digest context (`EVP_MD_CTX`) for input that arrives in pieces, such as a
    /// request body read part by part: the same digest as ``MessageDigest/hash(_:)`` of the
    /// pieces joined, without keeping them to hash afterwards.
    ///
    /// Owned by one caller at a time (not `Sendable`); freed in `deinit`.
    final class Context {
        private let digest: MessageDigest
        private let context: OpaquePointer
        private var finished = false

        init(_ digest: MessageDigest) {
            // EVP_MD_CTX_new and EVP_DigestInit_ex fail only without memory, as EVP_Digest does.
            guard let context = EVP_MD_CTX_new() else { preconditionFailure("OpenSSL EVP_MD_CTX_new failed (out of memory)") }
            precondition(EVP_DigestInit_ex(context, digest.algorithm, nil) == 1, "OpenSSL EVP_DigestInit_ex failed (out of memory)")
            self.digest = digest
            self.context = context
        }

        deinit {
            EVP_MD_CTX_free(context)
        }

        func update(_ bytes: UnsafeRawBufferPointer) {
            precondition(!finished, "a digest context was updated after it was finalized")
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            // EVP_DigestUpdate on an initialised software digest cannot fail.
            precondition(EVP_DigestUpdate(context, base, bytes.count) == 1, "OpenSSL EVP_DigestUpdate failed")
        }

        /// The digest of everything given to ``update(_:)``; the context takes no more input after it.
        func finalize() -> [UInt8] {
            precondition(!finished, "a digest context was finalized twice")
            finished = true
            var output = [UInt8](repeating: 0, count: digest.byteCount)
            var written: UInt32 = 0
            let status = output.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &written) }
            precondition(status == 1 && Int(written) == digest.byteCount, "OpenSSL EVP_DigestFinal_ex failed")
            return output
        }
    }
}
