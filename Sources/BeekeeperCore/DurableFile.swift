#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small files that must survive a crash whole (state snapshots, keys, journals): written with
/// fsync, replaced atomically by rename, the directory fsynced; errno turned into messages.
public enum DurableFile {
    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }

        init(_ path: String, _ what: String, errno code: Int32 = errno) {
            self.path = path
            self.message = "\(what): \(String(cString: strerror(code)))"
        }
    }

    /// Replaces `path` with `bytes` so that a crash leaves either the old or the new file:
    /// `<path>.tmp` written and fsynced, renamed over `path`, the directory fsynced.
    public static func replace(_ path: String, with bytes: [UInt8], mode: UInt32 = 0o644) throws(Failure) {
        let temporary = path + ".tmp"
        do {
            try writeFile(bytes, to: temporary, mode: mode)
            try renameFile(temporary, to: path)
        } catch {
            _ = unlink(temporary)
            throw error
        }
        try syncDirectory(of: path)
    }

    /// Creates `path` with `bytes`, failing if it exists (keys are never overwritten), fsynced.
    public static func createExclusively(_ path: String, with bytes: [UInt8], mode: UInt32) throws(Failure) {
        try writeFile(bytes, to: path, mode: mode, flags: O_EXCL)
        try syncDirectory(of: path)
    }

    /// Creates or truncates `path`, writes `bytes` and fsyncs before closing.
    static func writeFile(_ bytes: [UInt8], to path: String, mode: UInt32, flags: Int32 = O_TRUNC) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, mode_t(mode))
        guard fd >= 0 else { throw Failure(path, errno == EEXIST ? "already exists; refusing to overwrite it" : "cannot create") }
        // The umask must neither widen nor narrow the mode promised (0600 for keys).
        _ = fchmod(fd, mode_t(mode))
        if let code = bytes.withUnsafeBytes({ UnixIO.writeAll(fd, $0) }) {
            let failure = Failure(path, "cannot write", errno: code)
            _ = close(fd)
            throw failure
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
    public static func readFile(_ path: String) throws(Failure) -> [UInt8]? {
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
