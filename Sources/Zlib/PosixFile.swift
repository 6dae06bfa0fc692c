#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The class's own read/write/close methods shadow the C functions inside it.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }

/// A file descriptor with EINTR-safe read/write, closed in `deinit` if not closed explicitly.
final class PosixFile {
    private var descriptor: Int32
    private let path: String

    private init(path: String, flags: Int32, mode: mode_t) throws(ZlibError) {
        let descriptor = open(path, flags | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw PosixFile.error("open", path) }
        self.descriptor = descriptor
        self.path = path
    }

    static func openForReading(_ path: String) throws(ZlibError) -> PosixFile {
        try PosixFile(path: path, flags: O_RDONLY, mode: 0)
    }

    /// Creates or truncates `path`. 0600: the data (database dumps, audit segments) is private;
    /// callers that want wider permissions chmod after their rename.
    static func createForWriting(_ path: String) throws(ZlibError) -> PosixFile {
        try PosixFile(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
    }

    deinit {
        if self.descriptor >= 0 { _ = systemClose(self.descriptor) }
    }

    /// Reads up to `buffer.count` bytes; 0 means end of file.
    func read(into buffer: UnsafeMutableBufferPointer<UInt8>) throws(ZlibError) -> Int {
        while true {
            let count = systemRead(self.descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw PosixFile.error("read", self.path) }
        }
    }

    func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(ZlibError) {
        var remaining = UnsafeRawBufferPointer(bytes)
        while !remaining.isEmpty {
            let count = systemWrite(self.descriptor, remaining.baseAddress, remaining.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw PosixFile.error("write", self.path)
            }
            remaining = UnsafeRawBufferPointer(rebasing: remaining[count...])
        }
    }

    /// Closes now so that a deferred write error (e.g. on NFS) is reported, not lost in deinit.
    func close() throws(ZlibError) {
        guard self.descriptor >= 0 else { return }
        let descriptor = self.descriptor
        self.descriptor = -1
        let result = systemClose(descriptor)
        // Linux closes the descriptor even when close fails with EINTR, so never retry.
        if result != 0 && errno != EINTR { throw PosixFile.error("close", self.path) }
    }

    private static func error(_ operation: String, _ path: String) -> ZlibError {
        let code = errno
        return .io("\(operation) \(path): \(String(cString: strerror(code))) (errno \(code))")
    }
}
