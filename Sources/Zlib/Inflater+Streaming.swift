extension Inflater {
    /// Decompresses `input`, handing each chunk of output to `body` as zlib produces it (at most
    /// 64 KiB each), so that a highly compressed input never has to fit in memory decompressed.
    /// A chunk is valid only during the call to `body`. Confirm the end with `finish()`.
    /// - Throws: `ZlibError`, or whatever `body` throws (the inflater is unusable afterwards).
    public func decompress(_ input: UnsafeRawBufferPointer, into body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try self.ensureActive()
        self.setInput(UnsafeBufferPointer(start: input.baseAddress?.assumingMemoryBound(to: UInt8.self), count: input.count))
        defer { self.clearInput() }
        do {
            while let chunk = try self.nextOutput() { try body(chunk) }
        } catch {
            self.markFailed()
            throw error
        }
    }
}
