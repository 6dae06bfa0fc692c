import CZlib

/// Streaming compressor: feed input with `compress`, end with `finish`.
///
/// Not thread-safe; one owner at a time. The zlib state is released in `deinit`.
public final class Deflater {
    private let stream: ZStream
    private var outputPending = false
    private var state = State.active

    private enum State { case active, finished, failed }

    /// - Parameters:
    ///   - format: framing to write; `.gzip` produces `.gz` files.
    ///   - level: 0 (store) ... 9 (smallest), or -1 for zlib's default (6).
    public init(format: ZlibFormat = .gzip, level: Int = 6) throws(ZlibError) {
        guard (-1...9).contains(level) else { throw .streamError("compression level \(level) is outside -1...9") }
        // memLevel 8 is zlib's default (deflateInit's), trading 256 KiB of state for speed.
        self.stream = try ZStream(kind: .deflate) { czlib_deflate_init2($0, Int32(level), format.windowBits, 8, Z_DEFAULT_STRATEGY) }
    }

    /// Compresses `input`; returns whatever compressed output is ready, often nothing.
    public func compress(_ input: some Collection<UInt8>) throws(ZlibError) -> [UInt8] {
        try self.ensureActive()
        return try withContiguousBytes(input) { (bytes) throws(ZlibError) -> [UInt8] in
            var result: [UInt8] = []
            self.setInput(bytes)
            defer { self.clearInput() }
            while let chunk = try self.nextOutput(finishing: false) { result.append(contentsOf: chunk) }
            return result
        }
    }

    /// Flushes everything and writes the format's trailer. The deflater is unusable afterwards.
    public func finish() throws(ZlibError) -> [UInt8] {
        try self.ensureActive()
        var result: [UInt8] = []
        while let chunk = try self.nextOutput(finishing: true) { result.append(contentsOf: chunk) }
        self.state = .finished
        return result
    }

    // MARK: Pull interface for the file helpers, which write each chunk straight out.

    func setInput(_ input: UnsafeBufferPointer<UInt8>) { self.stream.setInput(input) }
    func clearInput() { self.stream.clearInput() }

    /// Next chunk of compressed output (valid until the next call), or nil when all input is
    /// consumed (or, when `finishing`, when the trailer has been produced).
    func nextOutput(finishing: Bool) throws(ZlibError) -> UnsafeBufferPointer<UInt8>? {
        do {
            return try self.step(finishing: finishing)
        } catch {
            self.state = .failed
            throw error
        }
    }

    private func step(finishing: Bool) throws(ZlibError) -> UnsafeBufferPointer<UInt8>? {
        while true {
            if self.state == .finished { return nil }
            let hasInput = self.stream.hasInput
            if !finishing && !hasInput && !self.outputPending { return nil }
            // Z_FINISH only once every input byte has been handed over: zlib forbids new input after it.
            let flush = finishing && !hasInput ? Z_FINISH : Z_NO_FLUSH
            let (returnCode, output, full) = self.stream.run { deflate($0, flush) }
            self.outputPending = full
            switch returnCode {
            case Z_OK:
                break
            case Z_STREAM_END:
                self.state = .finished
                self.outputPending = false
            case Z_BUF_ERROR where flush == Z_NO_FLUSH && !self.stream.hasInput:
                // Not an error: nothing left to compress until more input arrives.
                self.outputPending = false
            default:
                throw ZlibError(returnCode: returnCode, stream: self.stream.pointer)
            }
            if !output.isEmpty { return output }
        }
    }

    /// After an error in a caller's body: nothing more may be fed in.
    func markFailed() {
        self.state = .failed
    }

    func ensureActive() throws(ZlibError) {
        switch self.state {
        case .active: return
        case .finished: throw .streamError("deflater already finished")
        case .failed: throw .streamError("deflater is unusable after an earlier error")
        }
    }
}
