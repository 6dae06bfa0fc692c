import BeekeeperCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a journal file line by line, a chunk at a time: a start must not hold two days of
/// outcomes in memory at once (hundreds of MB at a webhook sidecar's rate) to learn their ids.
enum IdempotencyJournalReader {
    /// What a read found.
    struct Summary {
        /// False when the file does not exist.
        var exists = false
        /// Where the last whole line ends: a file longer than this ends in a torn line.
        var wholeLinesEnd: Int64 = 0
        var size: Int64 = 0
        /// The errno of a failed open (other than a missing file) or read.
        var failure: Int32?
    }

    /// Calls `body` with each line (without its newline, empty lines skipped) and its offset, in
    /// file order; a last line without a newline is not passed.
    static func forEachLine(of path: String, chunk: Int = 1 << 20, _ body: (UnsafeRawBufferPointer, Int64) -> Void) -> Summary {
        var summary = Summary()
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno != ENOENT { summary.failure = errno }
            return summary
        }
        defer { close(fd) }
        summary.exists = true
        var buffer = [UInt8](repeating: 0, count: max(chunk, 1))
        // `buffer[0..<carry]` is the start of a line begun in the previous chunk, at `base` in the file.
        var carry = 0
        var base: Int64 = 0
        while true {
            // A line longer than the buffer: make room for the rest of it.
            if carry == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
            let count = buffer.withUnsafeMutableBytes { UnixIO.readAll(fd, UnsafeMutableRawBufferPointer(rebasing: $0[carry...]), at: base + Int64(carry)) }
            if count < 0 {
                summary.failure = errno
                return summary
            }
            let filled = carry + count
            var start = 0
            buffer.withUnsafeBytes { raw in
                while start < filled, let found = memchr(raw.baseAddress! + start, Int32(UInt8(ascii: "\n")), filled - start) {
                    let end = raw.baseAddress!.distance(to: UnsafeRawPointer(found))
                    if end > start { body(UnsafeRawBufferPointer(rebasing: raw[start..<end]), base + Int64(start)) }
                    start = end + 1
                }
            }
            summary.wholeLinesEnd = base + Int64(start)
            if count == 0 {
                summary.size = base + Int64(filled)
                return summary
            }
            if start > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    if filled > start { raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: filled - start) }
                }
            }
            carry = filled - start
            base += Int64(start)
        }
    }
}
