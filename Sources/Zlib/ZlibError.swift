import CZlib

/// A failure reported by zlib, or by the file helpers around it.
public struct ZlibError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What kind of failure, one case per zlib return code plus the conditions zlib cannot see.
    public enum Code: Sendable, Equatable {
        /// `Z_DATA_ERROR`: the input is not valid compressed data (corrupt, wrong format).
        case dataError
        /// `Z_BUF_ERROR`: no progress was possible.
        case bufferError
        /// `Z_MEM_ERROR`: zlib could not allocate memory.
        case memoryError
        /// `Z_STREAM_ERROR`: invalid parameter or the stream was used in an invalid state.
        case streamError
        /// `Z_VERSION_ERROR`: the zlib library is incompatible with the headers built against.
        case versionError
        /// The input ended before the compressed stream's end marker.
        case truncated
        /// Reading or writing a file failed.
        case io
    }

    public var code: Code
    /// Human-readable detail; for data errors this is zlib's own `msg`.
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "zlib \(self.code): \(self.message)" }

    public static func dataError(_ message: String) -> ZlibError { .init(code: .dataError, message: message) }
    public static func streamError(_ message: String) -> ZlibError { .init(code: .streamError, message: message) }
    public static func io(_ message: String) -> ZlibError { .init(code: .io, message: message) }
    public static let bufferError = ZlibError(code: .bufferError, message: "no progress possible")
    public static let memoryError = ZlibError(code: .memoryError, message: "out of memory")
    public static let versionError = ZlibError(code: .versionError, message: "incompatible zlib library version")
    public static let truncated = ZlibError(code: .truncated, message: "compressed stream ended early (truncated input)")

    /// Maps a zlib return code, preferring the stream's own message when zlib set one.
    init(returnCode: Int32, stream: UnsafeMutablePointer<z_stream>) {
        let detail = stream.pointee.msg.map { String(cString: $0) }
        switch returnCode {
        case Z_DATA_ERROR: self = .dataError(detail ?? "invalid compressed data")
        case Z_NEED_DICT: self = .dataError(detail ?? "stream requires a preset dictionary")
        case Z_BUF_ERROR: self = .bufferError
        case Z_MEM_ERROR: self = .memoryError
        case Z_VERSION_ERROR: self = .versionError
        case Z_STREAM_ERROR: self = .streamError(detail ?? "inconsistent stream state")
        default: self = .streamError(detail ?? "unexpected zlib return code \(returnCode)")
        }
    }
}
