/// One-shot and file-streaming helpers for the gzip format.
public enum Gzip {
    /// Compresses `bytes` into one gzip member.
    public static func compress(_ bytes: some Collection<UInt8>, level: Int = 6) throws(ZlibError) -> [UInt8] {
        let deflater = try Deflater(format: .gzip, level: level)
        var output = try deflater.compress(bytes)
        output += try deflater.finish()
        return output
    }

    /// Decompresses a complete gzip stream (one or more members).
    /// - Throws: `ZlibError` with `.dataError` for corrupt input, `.truncated` for an incomplete one.
    public static func decompress(_ bytes: some Collection<UInt8>) throws(ZlibError) -> [UInt8] {
        let inflater = try Inflater(format: .gzip)
        let output = try inflater.decompress(bytes)
        try inflater.finish()
        return output
    }
}
