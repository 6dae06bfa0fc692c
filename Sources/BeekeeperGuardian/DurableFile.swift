#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations the stats store needs, with errno turned into messages.
enum DurableFile {
    struct Failure: Error {
        var path: String
        var message: String

        init(_ path: String, _ what: String, errno code: Int32 = errno) {
            self.path = path
            self.message = "\(what): \(String(cString: strerror(code)))"
        }
    }

    /// Creates or truncates `path`, writes `bytes` and fsyncs before closing.
    static func writeFile(_ bytes: [UInt8], to path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(path, "cannot create") }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                let failure = Failure(path, "cannot write")
                _ = close(fd)
                throw failure
            }
            written += result
        }
        guard fsync(fd) == 0 else {
            let failure = Failure(path, "cannot fsync")
            _ = close(fd)
            throw failure
        }
        guard close(fd) == 0 else { throw Failure(path, "cannot close") }
    }

    static func renameFile(_ source: String, to destination: String) throws(Failure) {
        guard rename(source, destination) == 0 else { throw Failure(destination, "cannot rename \(source) over it") }
    }

    /// Makes a rename in the directory holding `path` durable.
    static func syncDirectory(of path: String) throws(Failure) {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(directory, "cannot open directory") }
        defer { _ = close(fd) }
        guard fsync(fd) == 0 else { throw Failure(directory, "cannot fsync directory") }
    }

    /// The whole file, or nil if it does not exist.
    static func readFile(_ path: String) throws(Failure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw Failure(path, "cannot open")
        }
        defer { _ = close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress!, buffer.count)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(path, "cannot read")
            }
            if count == 0 { return contents }
            contents += chunk[..<count]
        }
    }
}
