import CISAL

/// A failure reported by ISA-L's igzip, or a misuse of a compressor the library cannot see.
public struct ISALError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        /// `ISAL_INVALID_LEVEL`, or a level outside 0...3 asked of the wrapper.
        case invalidLevel
        /// `ISAL_INVALID_LEVEL_BUF`: the level buffer does not fit the level.
        case invalidLevelBuffer
        /// `INVALID_FLUSH`, `ISAL_INVALID_STATE`, `ISAL_INVALID_OPERATION` or an unknown code: the
        /// stream was driven in a way igzip refuses.
        case streamError
        /// The compressor was used after `finish` or after an earlier error.
        case unusable
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "igzip \(self.code): \(self.message)" }

    /// Maps an `isal_deflate` return code.
    init(returnCode: Int32) {
        switch returnCode {
        case ISAL_INVALID_LEVEL: self.init(code: .invalidLevel, message: "invalid compression level")
        case ISAL_INVALID_LEVEL_BUF: self.init(code: .invalidLevelBuffer, message: "level buffer too small for the level")
        case INVALID_FLUSH: self.init(code: .streamError, message: "invalid flush type")
        case ISAL_INVALID_STATE: self.init(code: .streamError, message: "invalid stream state")
        case ISAL_INVALID_OPERATION: self.init(code: .streamError, message: "invalid operation")
        default: self.init(code: .streamError, message: "unexpected isal_deflate return code \(returnCode)")
        }
    }
}
