import CPCRE2

/// A failure reported by PCRE2: a pattern that does not compile, or a match that ran into a limit.
public struct PCRE2Error: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        /// The pattern does not compile; `offset` is the byte offset in the pattern where PCRE2 stopped.
        case compile(offset: Int)
        /// `PCRE2_ERROR_MATCHLIMIT`: the match took more backtracking steps than ``PCRE2Limits/matchLimit``.
        case matchLimit
        /// `PCRE2_ERROR_DEPTHLIMIT`: backtracking nested deeper than ``PCRE2Limits/depthLimit``.
        case depthLimit
        /// `PCRE2_ERROR_HEAPLIMIT`: the interpreter wanted more heap than ``PCRE2Limits/heapLimitKiB``.
        case heapLimit
        /// Any other negative return code of `pcre2_match` (out of memory, internal errors).
        case match(Int32)
    }

    public var code: Code
    /// PCRE2's own wording of the error.
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// Whether the error is one of the resource limits (the input, not the pattern, is at fault).
    public var isLimit: Bool {
        switch code {
        case .matchLimit, .depthLimit, .heapLimit: true
        case .compile, .match: false
        }
    }

    public var description: String {
        switch code {
        case .compile(let offset): "pcre2: \(message) at offset \(offset)"
        default: "pcre2: \(message)"
        }
    }

    init(matchResult result: Int32) {
        let code: Code =
            switch result {
            case PCRE2_ERROR_MATCHLIMIT: .matchLimit
            case PCRE2_ERROR_DEPTHLIMIT: .depthLimit
            case PCRE2_ERROR_HEAPLIMIT: .heapLimit
            default: .match(result)
            }
        self.init(code: code, message: PCRE2Error.message(for: result))
    }

    static func message(for errorCode: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBufferPointer { cpcre2_error_message(errorCode, $0.baseAddress, $0.count) }
        guard count > 0 else { return "error \(errorCode)" }
        return String(decoding: buffer.prefix(Int(count)), as: UTF8.self)
    }
}
