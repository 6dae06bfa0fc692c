import CPCRE2

/// Resource limits of one match, so that hostile input costs bounded time and memory.
///
/// `matchLimit` bounds the backtracking steps of one `pcre2_match` call (JIT and interpreter);
/// `depthLimit` and `heapLimitKiB` bound the interpreter's backtracking memory (the JIT code uses
/// its 32 KiB machine-stack frame instead, and a match that outgrows it is retried once by the
/// interpreter under these limits). A match that reaches a limit throws a ``PCRE2Error`` whose
/// ``PCRE2Error/isLimit`` is true: it neither matched nor failed to match.
public struct PCRE2Limits: Sendable, Equatable {
    public var matchLimit: UInt32
    public var depthLimit: UInt32
    public var heapLimitKiB: UInt32

    public init(matchLimit: UInt32 = 10_000, depthLimit: UInt32 = 10_000, heapLimitKiB: UInt32 = 20_000) {
        self.matchLimit = matchLimit
        self.depthLimit = depthLimit
        self.heapLimitKiB = heapLimitKiB
    }
}

/// A compiled PCRE2 pattern (8-bit, UTF-8 with Unicode properties), JIT-compiled when the
/// platform allows. Immutable after init, so it may be shared by any number of threads: each
/// match brings its own ``PCRE2MatchData``.
///
/// Semantics follow ICU's defaults where PCRE2 lets us choose: `\w`, `\d`, `\s` and `\b` are
/// Unicode-aware (`PCRE2_UCP`), and `$` and `.` know every Unicode line terminator
/// (`PCRE2_NEWLINE_ANY`).
public final class PCRE2Regex: @unchecked Sendable {
    // Both pointers are only read after init (pcre2_match takes them const).
    private let code: OpaquePointer
    private let matchContext: OpaquePointer
    /// Whether the JIT compiler took the pattern (otherwise every match runs the interpreter).
    public let isJIT: Bool
    public let pattern: String

    /// Compiles `pattern` as written (it may carry its own flags, such as `(?i)`). With
    /// `wholeMatch`, a match must cover the entire subject. With `anchored`, a match must start
    /// exactly at the start offset (see ``matches(_:from:using:)``); compiled in, because the JIT
    /// does not take `PCRE2_ANCHORED` at match time.
    public init(_ pattern: String, wholeMatch: Bool = false, anchored: Bool = false, limits: PCRE2Limits = PCRE2Limits()) throws(PCRE2Error) {
        self.pattern = pattern
        var options = UInt32(PCRE2_UTF | PCRE2_UCP)
        if wholeMatch { options |= UInt32(PCRE2_ANCHORED | PCRE2_ENDANCHORED) }
        if anchored { options |= UInt32(PCRE2_ANCHORED) }
        guard let compileContext = cpcre2_compile_context_create() else {
            throw PCRE2Error(code: .match(PCRE2_ERROR_NOMEMORY), message: "out of memory")
        }
        defer { cpcre2_compile_context_free(compileContext) }
        _ = cpcre2_set_newline(compileContext, UInt32(PCRE2_NEWLINE_ANY))
        var errorCode: Int32 = 0
        var errorOffset = 0
        let utf8 = Array(pattern.utf8)
        let compiled = utf8.withUnsafeBufferPointer { bytes in
            cpcre2_compile(bytes.baseAddress, bytes.count, options, &errorCode, &errorOffset, compileContext)
        }
        guard let compiled else {
            throw PCRE2Error(code: .compile(offset: errorOffset), message: PCRE2Error.message(for: errorCode))
        }
        guard let context = cpcre2_match_context_create() else {
            cpcre2_code_free(compiled)
            throw PCRE2Error(code: .match(PCRE2_ERROR_NOMEMORY), message: "out of memory")
        }
        _ = cpcre2_set_match_limit(context, limits.matchLimit)
        _ = cpcre2_set_depth_limit(context, limits.depthLimit)
        _ = cpcre2_set_heap_limit(context, limits.heapLimitKiB)
        code = compiled
        matchContext = context
        isJIT = cpcre2_jit_compile(compiled) == 0
    }

    deinit {
        cpcre2_match_context_free(matchContext)
        cpcre2_code_free(code)
    }

    /// Whether the pattern matches anywhere in `text` (all of it, for a whole-match pattern).
    public func matches(_ text: String, using data: PCRE2MatchData) throws(PCRE2Error) -> Bool {
        var text = text
        let result = text.withUTF8 { bytes in Result { () throws(PCRE2Error) -> Bool in try matches(bytes, using: data) } }
        return try result.get()
    }

    /// The same, with a match data of its own (one allocation per call).
    public func matches(_ text: String) throws(PCRE2Error) -> Bool {
        try matches(text, using: PCRE2MatchData())
    }

    /// Whether the pattern matches anywhere in `bytes`, which must be valid UTF-8 (a Swift
    /// String's bytes always are; they are not checked again).
    public func matches(_ bytes: UnsafeBufferPointer<UInt8>, using data: PCRE2MatchData) throws(PCRE2Error) -> Bool {
        try matches(bytes, from: 0, using: data)
    }

    /// Whether the pattern matches in `bytes` at or after `start` (exactly at `start` for an
    /// `anchored` pattern). The whole buffer is the subject, so `\b` and look-behind see what
    /// precedes `start`. `start` must be at a UTF-8 character boundary, `0...bytes.count`: the
    /// JIT path does not check it, and a start inside a character is undefined behaviour.
    public func matches(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, using data: PCRE2MatchData) throws(PCRE2Error) -> Bool {
        precondition(start >= 0 && start <= bytes.count, "PCRE2Regex: start offset outside the subject")
        // An empty buffer may have a nil base address; PCRE2 wants a pointer even for length 0.
        let empty: UInt8 = 0
        var result = withUnsafePointer(to: empty) { fallback in
            isJIT
                ? cpcre2_jit_match_at(code, bytes.baseAddress ?? fallback, bytes.count, start, data.pointer, matchContext)
                : cpcre2_match_at(code, bytes.baseAddress ?? fallback, bytes.count, start, UInt32(PCRE2_NO_UTF_CHECK), data.pointer, matchContext)
        }
        if result == PCRE2_ERROR_JIT_STACKLIMIT {
            // The JIT frame is a fixed 32 KiB; the interpreter's memory is bounded by the limits.
            result = withUnsafePointer(to: empty) { fallback in
                cpcre2_match_at(
                    code, bytes.baseAddress ?? fallback, bytes.count, start, UInt32(PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT), data.pointer,
                    matchContext)
            }
        }
        if result >= 0 { return true }
        if result == PCRE2_ERROR_NOMATCH { return false }
        throw PCRE2Error(matchResult: result)
    }
}

/// Scratch space for matches (PCRE2's match data). Not thread-safe: one per concurrent caller,
/// reused across any number of matches and patterns. Freed in `deinit`.
public final class PCRE2MatchData {
    let pointer: OpaquePointer

    public init() {
        guard let data = cpcre2_match_data_create() else { fatalError("pcre2: out of memory for match data") }
        pointer = data
    }

    deinit { cpcre2_match_data_free(pointer) }
}
