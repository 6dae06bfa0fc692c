extension Gzip {
    /// Streams a file through gzip into `destination` in 64 KiB chunks (constant memory).
    ///
    /// `destination` is created (mode 0600) or truncated. It is not fsynced or renamed: callers
    /// write to a temporary name and do both, so a crash never leaves a half file in place.
    /// - Returns: bytes read from `source` and bytes written to `destination`.
    @discardableResult
    public static func compressFile(at source: String, to destination: String, level: Int = 6) throws(ZlibError) -> (inputBytes: Int, outputBytes: Int) {
        let deflater = try Deflater(format: .gzip, level: level)
        let input = try PosixFile.openForReading(source)
        let output = try PosixFile.createForWriting(destination)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: zlibChunkSize)
        defer { buffer.deallocate() }

        var inputBytes = 0
        var outputBytes = 0
        while true {
            let count = try input.read(into: buffer)
            if count == 0 { break }
            inputBytes += count
            deflater.setInput(UnsafeBufferPointer(rebasing: buffer[..<count]))
            defer { deflater.clearInput() }
            while let chunk = try deflater.nextOutput(finishing: false) {
                try output.write(chunk)
                outputBytes += chunk.count
            }
        }
        while let chunk = try deflater.nextOutput(finishing: true) {
            try output.write(chunk)
            outputBytes += chunk.count
        }
        try output.close()
        try input.close()
        return (inputBytes, outputBytes)
    }

    /// Streams a gzip file's decompressed bytes to `body` in chunks of at most 64 KiB.
    /// - Throws: `ZlibError` on corruption (`.dataError`), truncation (`.truncated`) or I/O
    ///   failure (`.io`), or whatever `body` throws. Chunks already passed to `body` stay valid
    ///   data, so callers that verify must wait for a normal return.
    public static func decompressFile(at path: String, _ body: ([UInt8]) throws -> Void) throws {
        let inflater = try Inflater(format: .gzip)
        let input = try PosixFile.openForReading(path)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: zlibChunkSize)
        defer { buffer.deallocate() }

        while true {
            let count = try input.read(into: buffer)
            if count == 0 { break }
            inflater.setInput(UnsafeBufferPointer(rebasing: buffer[..<count]))
            defer { inflater.clearInput() }
            while let chunk = try inflater.nextOutput() {
                try body(Array(chunk))
            }
        }
        try inflater.finish()
        try input.close()
    }
}
