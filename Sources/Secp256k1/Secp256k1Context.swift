internal import CSecp256k1

/// Owns a `secp256k1_context` and destroys it with the object.
///
/// `@unchecked Sendable`: after `init` the context is only passed to functions that take it
/// `const`, which libsecp256k1 allows from any number of threads at once.
final class Secp256k1Context: @unchecked Sendable {
    let pointer: OpaquePointer

    init() {
        guard let pointer = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
            preconditionFailure("secp256k1_context_create failed (out of memory)")
        }
        // Randomisation blinds the secret-dependent arithmetic of signing and key derivation
        // against side channels. It never changes a result: nonces stay RFC 6979, signatures stay
        // byte-identical to Go's and pycolonies' (the known-answer tests check exactly that).
        var generator = SystemRandomNumberGenerator()
        let seed = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let randomised = secp256k1_context_randomize(pointer, seed)
        precondition(randomised == 1, "secp256k1_context_randomize failed")
        self.pointer = pointer
    }

    deinit {
        secp256k1_context_destroy(self.pointer)
    }
}
