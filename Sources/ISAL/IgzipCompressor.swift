/// Streaming gzip compressor on ISA-L's igzip: feed input with `compress`, end with `finish`.
/// The output is a standard single-member gzip file (RFC 1952) that zlib and `gzip -d` read.
///
/// Not thread-safe; one owner at a time. Everything igzip needs (the stream state, the level's
/// hash buffer, an output chunk) is allocated once in `init` and freed in `deinit`.
public final class IgzipCompressor {
    /// igzip's levels: 0 (fastest, a small hash table) ... 3 (slowest, best ratio). None of them
    /// stores uncompressed: level 0 still finds matches.
    public static let levels = 0...3

    public let level: Int
    private let stream: IgzipStream
    private var outputPending = false
    private var state = State.active

    private enum State { case active, finished, failed }

    public init(level: Int = 1) throws(ISALError) {
        self.stream = try IgzipStream(level: level)
        self.level = level
    }

    /// Compresses `input`; returns whatever compressed output is ready, often nothing.
    public func compress(_ input: some Collection<UInt8>) throws(ISALError) -> [UInt8] {
        var result: [UInt8] = []
        try self.compress(input) { result.append(contentsOf: $0) }
        return result
    }

    /// Flushes everything and writes the gzip trailer. The compressor is unusable afterwards.
    public func finish() throws(ISALError) -> [UInt8] {
        var result: [UInt8] = []
        try self.finish { result.append(contentsOf: $0) }
        return result
    }

    /// Compresses `input`, handing each chunk of output to `body` as igzip produces it (valid only
    /// during the call), so nothing accumulates.
    public func compress(_ input: some Collection<UInt8>, into body: (UnsafeBufferPointer<UInt8>) -> Void) throws(ISALError) {
        try self.ensureActive()
        // withContiguousStorageIfAvailable rethrows untyped, so the typed error travels in a Result.
        let drained = input.withContiguousStorageIfAvailable { bytes in
            Result { () throws(ISALError) in try self.drain(bytes, into: body) }
        }
        if let drained {
            try drained.get()
        } else {
            try Array(input).withUnsafeBufferPointer { (bytes) throws(ISALError) in try self.drain(bytes, into: body) }
        }
    }

    /// Flushes the rest and the gzip trailer through `body`. The compressor is unusable afterwards.
    public func finish(into body: (UnsafeBufferPointer<UInt8>) -> Void) throws(ISALError) {
        try self.ensureActive()
        do throws(ISALError) {
            while !self.stream.finished {
                let (output, full) = try self.stream.run(endOfStream: true)
                if !output.isEmpty { body(output) }
                // An empty, non-full call that did not finish would spin: igzip made no progress.
                if output.isEmpty && !full && !self.stream.finished {
                    throw ISALError(code: .streamError, message: "igzip made no progress while finishing")
                }
            }
            self.state = .finished
        } catch {
            self.state = .failed
            throw error
        }
    }

    private func drain(_ bytes: UnsafeBufferPointer<UInt8>, into body: (UnsafeBufferPointer<UInt8>) -> Void) throws(ISALError) {
        self.stream.setInput(bytes)
        defer { self.stream.clearInput() }
        do throws(ISALError) {
            while self.stream.hasInput || self.outputPending {
                let (output, full) = try self.stream.run(endOfStream: false)
                self.outputPending = full
                if !output.isEmpty { body(output) }
            }
        } catch {
            self.state = .failed
            throw error
        }
    }

    private func ensureActive() throws(ISALError) {
        switch self.state {
        case .active: return
        case .finished: throw ISALError(code: .unusable, message: "compressor already finished")
        case .failed: throw ISALError(code: .unusable, message: "compressor is unusable after an earlier error")
        }
    }
}
