/// The framing around a deflate stream.
public enum ZlibFormat: Sendable {
    /// RFC 1952: the `.gz` file format (header, CRC-32 and length trailer).
    case gzip
    /// RFC 1950: two-byte header and Adler-32 trailer.
    case zlib
    /// RFC 1951: bare deflate data, no header or checksum.
    case raw

    /// zlib selects the framing through the sign and magnitude of `windowBits`; 15 is the
    /// largest (32 KiB) window, which every decoder accepts.
    var windowBits: Int32 {
        switch self {
        case .gzip: 15 + 16
        case .zlib: 15
        case .raw: -15
        }
    }
}
