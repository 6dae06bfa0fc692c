import Sodium

/// The payload digest an idempotency id was claimed with, as the store keeps it for 24 h: a
/// lower-case hex SHA-256 as its 32 bytes inline (not a 64-character String on the heap per id),
/// any other text (an old journal line's, a test's) as it is.
enum PayloadDigest: Hashable {
    case sha256(UInt64, UInt64, UInt64, UInt64)
    case text(String)

    init(_ text: String) {
        guard text.utf8.count == 64, !text.utf8.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }),
            let bytes = Hex.decode(text)
        else {
            self = .text(text)
            return
        }
        func word(_ index: Int) -> UInt64 { bytes[index * 8..<index * 8 + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        self = .sha256(word(0), word(1), word(2), word(3))
    }

    /// The text it was made from.
    var text: String {
        switch self {
        case .text(let text): return text
        case .sha256(let a, let b, let c, let d):
            return Hex.encode([a.bigEndian, b.bigEndian, c.bigEndian, d.bigEndian].withUnsafeBytes { Array($0) })
        }
    }
}
