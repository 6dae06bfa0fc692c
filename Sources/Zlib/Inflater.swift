import CZlib

/// Streaming decompressor: feed input with `decompress`, confirm the end with `finish`.
///
/// In `.gzip` mode, concatenated members (`cat a.gz b.gz`) decompress as one stream, as
/// `gzip -d` does. Not thread-safe; one owner at a time. The zlib state is released in `deinit`.
public final class Inflater {
    private let format: ZlibFormat
    private let stream: ZStream
    private var outputPending = false
    /// True between a member's end marker and the next byte of input.
    private var atStreamEnd = false
    private var state = State.active

    private enum State { case active, finished, failed }

    public init(format: ZlibFormat = .gzip) throws(ZlibError) {
        self.format = format
        self.stream = try ZStream(kind: .inflate) { czlib_inflate_init2($0, format.windowBits) }
    }

    /// Decompresses `input`; returns all output it yields.
    public func decompress(_ input: some Collection<UInt8>) throws(ZlibError) -> [UInt8] {
        try self.ensureActive()
        return try withContiguousBytes(input) { (bytes) throws(ZlibError) -> [UInt8] in
            var result: [UInt8] = []
            self.setInput(bytes)
            defer { self.clearInput() }
            while let chunk = try self.nextOutput() { result.append(contentsOf: chunk) }
            return result
        }
    }

    /// Confirms the input ended exactly at a stream end marker (checksum verified).
    /// - Throws: `ZlibError.truncated` if it did not, e.g. a half-written file.
    public func finish() throws(ZlibError) {
        try self.ensureActive()
        guard self.atStreamEnd else {
            self.state = .failed
            throw .truncated
        }
        self.state = .finished
    }

    // MARK: Pull interface for the file helpers, which hand each chunk on without collecting.

    func setInput(_ input: UnsafeBufferPointer<UInt8>) { self.stream.setInput(input) }
    func clearInput() { self.stream.clearInput() }

    /// Next chunk of decompressed output (valid until the next call), or nil when all input is consumed.
    func nextOutput() throws(ZlibError) -> UnsafeBufferPointer<UInt8>? {
        do {
            return try self.step()
        } catch {
            self.state = .failed
            throw error
        }
    }

    private func step() throws(ZlibError) -> UnsafeBufferPointer<UInt8>? {
        while true {
            if self.atStreamEnd {
                guard self.stream.hasInput else { return nil }
                guard self.format == .gzip else { throw .dataError("unexpected data after the end of the compressed stream") }
                // Another gzip member follows; inflateReset keeps the window allocation.
                let returnCode = inflateReset(self.stream.pointer)
                guard returnCode == Z_OK else { throw ZlibError(returnCode: returnCode, stream: self.stream.pointer) }
                self.atStreamEnd = false
            }
            if !self.stream.hasInput && !self.outputPending { return nil }
            let (returnCode, output, full) = self.stream.run { inflate($0, Z_NO_FLUSH) }
            self.outputPending = full
            switch returnCode {
            case Z_OK:
                break
            case Z_STREAM_END:
                self.atStreamEnd = true
                self.outputPending = false
            case Z_BUF_ERROR where !self.stream.hasInput:
                // Not an error: the stream continues in input not yet received.
                self.outputPending = false
            case Z_NEED_DICT:
                throw .dataError("stream requires a preset dictionary")
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
        case .finished: throw .streamError("inflater already finished")
        case .failed: throw .streamError("inflater is unusable after an earlier error")
        }
    }
}
