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
        /// The errno behind the failure.
        public var code: Int32
        public var description: String { "\(path): \(message)" }

        init(_ path: String, _ what: String, errno code: Int32 = errno) {
            self.path = path
            self.code = code
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

    /// Creates `path` and its missing parents, each new directory's entry made durable by an
    /// fsync of the directory that holds it: a directory created without one can vanish in a
    /// power cut along with everything synced inside it.
    public static func makeDirectories(_ path: String, mode: UInt32 = 0o755) throws(Failure) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw Failure(path, "cannot create directory", errno: ENOTDIR) }
            return
        }
        let parent = parentDirectory(of: path)
        if parent != path, !parent.isEmpty { try makeDirectories(parent, mode: mode) }
        guard mkdir(path, mode_t(mode)) == 0 else {
            if errno == EEXIST { return }
            throw Failure(path, "cannot create directory")
        }
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
    public static func syncDirectory(of path: String) throws(Failure) {
        try syncDirectory(parentDirectory(of: path))
    }

    /// fsync of a directory itself: makes the creations, renames and removals in it durable.
    public static func syncDirectory(_ directory: String) throws(Failure) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(directory, "cannot open directory") }
        defer { _ = close(fd) }
        guard fsync(fd) == 0 else { throw Failure(directory, "cannot fsync directory") }
    }

    static func parentDirectory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
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
