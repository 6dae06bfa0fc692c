#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BeekeeperCore
import Sodium

/// Blocking file operations of the shipper: hashing a segment and copying it durably.
/// Files are read in 1 MiB chunks, never loaded whole.
enum SegmentFile {
    static let chunkSize = 1 << 20

    /// Lower-case hex SHA-256 of the file at `path`.
    static func sha256(path: String, cancellation: BlockingIO.Cancellation? = nil) throws(ShipmentError) -> String {
        let fd = try open(path, O_RDONLY)
        defer { _ = close(fd) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            try cancellation?.check()
            let count = try read(fd, into: &buffer, path: path)
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
        }
        return Hex.encode(hasher.finalize())
    }

    /// Copies `source` to `destination` (created or truncated, mode 0640, never through a
    /// symlink), fsyncs it, and returns the hex SHA-256 of the bytes copied.
    static func copy(from source: String, to destination: String, cancellation: BlockingIO.Cancellation? = nil) throws(ShipmentError) -> String {
        let input = try open(source, O_RDONLY)
        defer { _ = close(input) }
        let output = try open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode: 0o640)
        defer { _ = close(output) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            try cancellation?.check()
            let count = try read(input, into: &buffer, path: source)
            if count == 0 { break }
            let failure = buffer.withUnsafeBytes { raw -> ShipmentError? in
                let chunk = UnsafeRawBufferPointer(rebasing: raw.prefix(count))
                hasher.update(chunk)
                do throws(ShipmentError) {
                    try writeAll(output, chunk, path: destination)
                    return nil
                } catch {
                    return error
                }
            }
            if let failure { throw failure }
        }
        guard fsync(output) == 0 else { throw .io(operation: "fsync", path: destination, errno: errno) }
        return Hex.encode(hasher.finalize())
    }

    /// Makes a rename or link in `directory` durable.
    static func syncDirectory(_ directory: String) throws(ShipmentError) {
        let fd = try open(directory, O_RDONLY | O_DIRECTORY)
        defer { _ = close(fd) }
        guard fsync(fd) == 0 else { throw .io(operation: "fsync", path: directory, errno: errno) }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    // MARK: System calls, EINTR retried, errno kept

    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(ShipmentError) -> Int32 {
        while true {
            let fd = systemOpen(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw .io(operation: "open", path: path, errno: errno)
        }
    }

    private static func read(_ fd: Int32, into buffer: inout [UInt8], path: String) throws(ShipmentError) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress!, $0.count) }
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw .io(operation: "read", path: path, errno: errno)
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(ShipmentError) {
        if let code = UnixIO.writeAll(fd, bytes) { throw .io(operation: "write", path: path, errno: code) }
    }
}

// The module's static methods shadow the C functions of the same name.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, buffer, count) }
