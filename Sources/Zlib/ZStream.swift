import CZlib

/// Owns one `z_stream` and its output chunk for the stream's whole life.
///
/// zlib keeps pointers into the `z_stream` (its internal state points back at it), so the struct
/// must never move: it lives in memory allocated here, not in a Swift stored property.
final class ZStream {
    enum Kind { case deflate, inflate }

    let kind: Kind
    let pointer: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutableBufferPointer<UInt8>
    /// Input not yet handed to zlib: `avail_in` is 32-bit, so larger inputs go in slices.
    private var queuedInput: UnsafeBufferPointer<UInt8> = .init(start: nil, count: 0)

    init(kind: Kind, initialize: (UnsafeMutablePointer<z_stream>) -> Int32) throws(ZlibError) {
        let pointer = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        // Zero-filled: zalloc/zfree/opaque = nil selects zlib's own allocator, as zlib requires.
        pointer.initialize(to: z_stream())
        let returnCode = initialize(pointer)
        guard returnCode == Z_OK else {
            // The init failed, so there is no zlib state to end; only our allocation to free.
            let error = ZlibError(returnCode: returnCode, stream: pointer)
            pointer.deinitialize(count: 1)
            pointer.deallocate()
            throw error
        }
        self.kind = kind
        self.pointer = pointer
        self.output = .allocate(capacity: zlibChunkSize)
    }

    deinit {
        switch self.kind {
        case .deflate: _ = deflateEnd(self.pointer)
        case .inflate: _ = inflateEnd(self.pointer)
        }
        self.pointer.deinitialize(count: 1)
        self.pointer.deallocate()
        self.output.deallocate()
    }

    /// Points zlib at `input`. The caller keeps it alive and unchanged until `clearInput()`.
    func setInput(_ input: UnsafeBufferPointer<UInt8>) {
        self.queuedInput = input
        self.pointer.pointee.next_in = nil
        self.pointer.pointee.avail_in = 0
        self.refillInput()
    }

    /// Forgets the caller's buffer so no dangling pointer stays in the stream.
    func clearInput() {
        self.queuedInput = .init(start: nil, count: 0)
        self.pointer.pointee.next_in = nil
        self.pointer.pointee.avail_in = 0
    }

    /// Whether zlib has not yet consumed all of the input.
    var hasInput: Bool { self.pointer.pointee.avail_in > 0 || !self.queuedInput.isEmpty }

    /// Runs one `deflate`/`inflate` call into a fresh output chunk.
    /// - Returns: zlib's return code, the bytes produced (valid until the next call) and whether
    ///   the output chunk filled up, in which case zlib may hold more output.
    func run(_ operation: (UnsafeMutablePointer<z_stream>) -> Int32) -> (returnCode: Int32, output: UnsafeBufferPointer<UInt8>, full: Bool) {
        self.refillInput()
        self.pointer.pointee.next_out = self.output.baseAddress
        self.pointer.pointee.avail_out = UInt32(self.output.count)
        let returnCode = operation(self.pointer)
        let produced = self.output.count - Int(self.pointer.pointee.avail_out)
        self.pointer.pointee.next_out = nil
        return (returnCode, UnsafeBufferPointer(rebasing: self.output[..<produced]), self.pointer.pointee.avail_out == 0)
    }

    private func refillInput() {
        guard self.pointer.pointee.avail_in == 0, let base = self.queuedInput.baseAddress, !self.queuedInput.isEmpty else { return }
        let count = min(self.queuedInput.count, Int(UInt32.max))
        self.pointer.pointee.next_in = UnsafeMutablePointer(mutating: base)
        self.pointer.pointee.avail_in = UInt32(count)
        self.queuedInput = UnsafeBufferPointer(rebasing: self.queuedInput[count...])
    }
}
