internal import CSecp256k1

extension Secp256k1 {
    /// A point on the curve, kept in uncompressed SEC1 form: `04 || X || Y`, 65 bytes.
    public struct PublicKey: Sendable, Hashable {
        public static let uncompressedByteCount = 65

        public let uncompressed: [UInt8]

        /// Accepts only the uncompressed form, and only a point on the curve.
        public init(uncompressed: [UInt8]) throws(Secp256k1Error) {
            guard uncompressed.count == Self.uncompressedByteCount else {
                throw .wrongLength(what: "public key", expected: Self.uncompressedByteCount, got: uncompressed.count)
            }
            var point = secp256k1_pubkey()
            guard uncompressed[0] == 0x04, secp256k1_ec_pubkey_parse(Secp256k1.context.pointer, &point, uncompressed, uncompressed.count) == 1
            else { throw .invalidPublicKey }
            self.uncompressed = uncompressed
        }

        init(_ point: secp256k1_pubkey) {
            var point = point
            var output = [UInt8](repeating: 0, count: Self.uncompressedByteCount)
            var length = output.count
            let serialized = secp256k1_ec_pubkey_serialize(
                Secp256k1.context.pointer, &output, &length, &point, UInt32(SECP256K1_EC_UNCOMPRESSED))
            // Always 1 for a parsed or derived point and a 65-byte buffer.
            precondition(serialized == 1 && length == Self.uncompressedByteCount, "secp256k1_ec_pubkey_serialize failed")
            self.uncompressed = output
        }
    }
}
