/// Size of the output chunks handed out by `Deflater`/`Inflater` and of file reads.
let zlibChunkSize = 64 * 1024

/// Lends `bytes` as one contiguous buffer, copying only when the collection is not contiguous.
/// Errors travel in a `Result` because `withContiguousStorageIfAvailable` only `rethrows`
/// (which would erase the typed error).
func withContiguousBytes<R>(
    _ bytes: some Collection<UInt8>,
    _ body: (UnsafeBufferPointer<UInt8>) throws(ZlibError) -> R
) throws(ZlibError) -> R {
    if let result = bytes.withContiguousStorageIfAvailable({ buffer in
        Result { () throws(ZlibError) in try body(buffer) }
    }) {
        return try result.get()
    }
    return try Array(bytes).withUnsafeBufferPointer { buffer in
        Result { () throws(ZlibError) in try body(buffer) }
    }.get()
}
