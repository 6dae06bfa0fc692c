#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The class's own `read` shadows the C function inside it.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }

/// Reads a file in fixed-size chunks into one reused buffer.
final class DumpFileReader {
    let path: String
    private let descriptor: Int32
    private let buffer: UnsafeMutableRawBufferPointer

    init(path: String, chunkSize: Int = 64 * 1024) throws(BackupError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { throw BackupError(.notFound, "no backup at \(path)") }
            throw CompressedDumpWriter.failure("cannot open", path)
        }
        self.path = path
        self.descriptor = descriptor
        self.buffer = .allocate(byteCount: chunkSize, alignment: 16)
    }

    deinit {
        close(descriptor)
        buffer.deallocate()
    }

    /// The next chunk (valid until the next call), or nil at the end of the file.
    func next() throws(BackupError) -> UnsafeRawBufferPointer? {
        while true {
            let count = systemRead(descriptor, buffer.baseAddress, buffer.count)
            if count > 0 { return UnsafeRawBufferPointer(rebasing: buffer[..<count]) }
            if count == 0 { return nil }
            if errno != EINTR { throw CompressedDumpWriter.failure("cannot read", path) }
        }
    }
}
