import CISAL

/// Owns one `isal_zstream`, its level buffer and an output chunk for the stream's whole life.
///
/// igzip keeps pointers into the stream struct's internal state, so the struct must never move:
/// it lives in memory allocated once here, not in a Swift stored property.
final class IgzipStream {
    let pointer: UnsafeMutablePointer<isal_zstream>
    private let levelBuffer: UnsafeMutableBufferPointer<UInt8>?
    private let output: UnsafeMutableBufferPointer<UInt8>
    /// Input not yet handed to igzip: `avail_in` is 32-bit, so larger inputs go in slices.
    private var queuedInput: UnsafeBufferPointer<UInt8> = .init(start: nil, count: 0)

    /// 256 KiB: large enough that a call's fixed cost is noise, small enough to stay in L2.
    static let outputChunkSize = 256 * 1024

    init(level: Int) throws(ISALError) {
        guard IgzipCompressor.levels.contains(level) else {
            throw ISALError(code: .invalidLevel, message: "compression level \(level) is outside 0...3")
        }
        let pointer = UnsafeMutablePointer<isal_zstream>.allocate(capacity: 1)
        pointer.initialize(to: isal_zstream())
        isal_deflate_init(pointer)
        let levelBufferSize = Int(cisal_level_buffer_size(UInt32(level)))
        let levelBuffer: UnsafeMutableBufferPointer<UInt8>? = levelBufferSize > 0 ? .allocate(capacity: levelBufferSize) : nil
        pointer.pointee.level = UInt32(level)
        pointer.pointee.level_buf = levelBuffer?.baseAddress
        pointer.pointee.level_buf_size = UInt32(levelBufferSize)
        pointer.pointee.gzip_flag = UInt16(IGZIP_GZIP)
        pointer.pointee.flush = UInt16(NO_FLUSH)
        self.pointer = pointer
        self.levelBuffer = levelBuffer
        self.output = .allocate(capacity: Self.outputChunkSize)
    }

    deinit {
        // igzip allocates nothing itself: freeing our three allocations releases everything.
        self.pointer.deinitialize(count: 1)
        self.pointer.deallocate()
        self.levelBuffer?.deallocate()
        self.output.deallocate()
    }

    /// Points igzip at `input`. The caller keeps it alive and unchanged until `clearInput()`.
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

    /// Whether igzip has not yet consumed all of the input.
    var hasInput: Bool { self.pointer.pointee.avail_in > 0 || !self.queuedInput.isEmpty }

    /// Whether the trailer has been written.
    var finished: Bool { cisal_deflate_finished(self.pointer) != 0 }

    /// Runs one `isal_deflate` call into a fresh output chunk; `endOfStream` once every input
    /// byte has been handed over, so igzip writes the last block and the gzip trailer.
    /// - Returns: the bytes produced (valid until the next call) and whether the chunk filled up,
    ///   in which case igzip may hold more output.
    func run(endOfStream: Bool) throws(ISALError) -> (output: UnsafeBufferPointer<UInt8>, full: Bool) {
        self.refillInput()
        self.pointer.pointee.end_of_stream = endOfStream && !self.hasInput ? 1 : 0
        self.pointer.pointee.next_out = self.output.baseAddress
        self.pointer.pointee.avail_out = UInt32(self.output.count)
        let returnCode = isal_deflate(self.pointer)
        let produced = self.output.count - Int(self.pointer.pointee.avail_out)
        self.pointer.pointee.next_out = nil
        guard returnCode == COMP_OK else { throw ISALError(returnCode: returnCode) }
        return (UnsafeBufferPointer(rebasing: self.output[..<produced]), self.pointer.pointee.avail_out == 0)
    }

    private func refillInput() {
        guard self.pointer.pointee.avail_in == 0, let base = self.queuedInput.baseAddress, !self.queuedInput.isEmpty else { return }
        let count = min(self.queuedInput.count, Int(UInt32.max))
        self.pointer.pointee.next_in = UnsafeMutablePointer(mutating: base)
        self.pointer.pointee.avail_in = UInt32(count)
        self.queuedInput = UnsafeBufferPointer(rebasing: self.queuedInput[count...])
    }
}
