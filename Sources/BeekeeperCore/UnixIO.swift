#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The write and read loops every durable file in Beekeeper needs, once: short transfers continued, EINTR
/// retried, and the errno that stopped it handed back for the caller's own typed error.
public enum UnixIO {
    /// Writes all of `bytes` to `fd`, at `offset` (pwrite) or else at the descriptor's position.
    /// Returns nil when everything was written, else the errno; a write that takes nothing of a
    /// non-empty buffer counts as ENOSPC (the device took nothing), never as an endless loop.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64? = nil) -> Int32? {
        var written = 0
        while written < bytes.count {
            let pointer = bytes.baseAddress! + written
            let remaining = bytes.count - written
            let count = offset.map { pwrite(fd, pointer, remaining, off_t($0) + off_t(written)) } ?? write(fd, pointer, remaining)
            if count < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if count == 0 { return ENOSPC }
            written += count
        }
        return nil
    }

    /// Reads up to `buffer.count` bytes of `fd` from `offset` (pread), continuing short reads and
    /// retrying EINTR; the count read (less at the end of the file), or -1 with errno set.
    public static func readAll(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) -> Int {
        var done = 0
        while done < buffer.count {
            let count = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if count < 0 {
                if errno == EINTR { continue }
                return -1
            }
            if count == 0 { break }
            done += count
        }
        return done
    }
}
