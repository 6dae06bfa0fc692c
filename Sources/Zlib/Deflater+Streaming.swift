extension Deflater {
    /// Compresses `input`, handing each chunk of output to `body` as zlib produces it, so that
    /// nothing accumulates: the way to compress a stream of unknown length in constant memory.
    /// A chunk is valid only during the call to `body`.
    /// - Throws: `ZlibError`, or whatever `body` throws (the deflater is unusable afterwards).
    public func compress(_ input: UnsafeRawBufferPointer, into body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try self.ensureActive()
        self.setInput(UnsafeBufferPointer(start: input.baseAddress?.assumingMemoryBound(to: UInt8.self), count: input.count))
        defer { self.clearInput() }
        do {
            while let chunk = try self.nextOutput(finishing: false) { try body(chunk) }
        } catch {
            self.markFailed()
            throw error
        }
    }

    /// Flushes the rest and the format's trailer through `body`. The deflater is unusable afterwards.
    public func finish(into body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try self.ensureActive()
        do {
            while let chunk = try self.nextOutput(finishing: true) { try body(chunk) }
        } catch {
            self.markFailed()
            throw error
        }
    }
}
