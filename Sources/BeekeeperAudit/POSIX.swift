import BeekeeperCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin, errno-preserving wrappers over the system calls the audit log needs. Every descriptor
/// is opened close-on-exec: bees are child processes and must not inherit the log or its lock.
enum POSIX {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o640) throws(AuditError) -> Int32 {
        while true {
            let fd = system_open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw .io(operation: "open", path: path, errno: errno)
        }
    }

    static func close(_ fd: Int32) {
        _ = system_close(fd)
    }

    /// Writes all of `bytes` at `offset`; a short write is continued, never silently accepted.
    static func pwriteAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int64, path: String) throws(AuditError) {
        if let code = bytes.withUnsafeBytes({ UnixIO.writeAll(fd, $0, at: offset) }) {
            throw .io(operation: "write", path: path, errno: code)
        }
    }

    /// Appends all of `bytes` at the descriptor's position (for files written front to back).
    static func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>, path: String) throws(AuditError) {
        if let code = Array(bytes).withUnsafeBytes({ UnixIO.writeAll(fd, $0) }) {
            throw .io(operation: "write", path: path, errno: code)
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    static func read(_ fd: Int32, into buffer: inout [UInt8], path: String) throws(AuditError) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { system_read(fd, $0.baseAddress!, $0.count) }
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw .io(operation: "read", path: path, errno: errno)
        }
    }

    /// Reads up to `limit` bytes at `offset` without moving the file position; 0 at end of file.
    static func pread(_ fd: Int32, into buffer: inout [UInt8], limit: Int, at offset: Int64, path: String) throws(AuditError) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { system_pread(fd, $0.baseAddress!, min($0.count, limit), off_t(offset)) }
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw .io(operation: "read", path: path, errno: errno)
        }
    }

    /// Flushes file data (and the size, when it changed) to stable storage.
    static func dataSync(_ fd: Int32, path: String) throws(AuditError) {
        while true {
            #if os(Linux)
            let status = fdatasync(fd)
            #else
            let status = fsync(fd)
            #endif
            if status == 0 { return }
            if errno == EINTR { continue }
            throw .io(operation: "fdatasync", path: path, errno: errno)
        }
    }

    static func fullSync(_ fd: Int32, path: String) throws(AuditError) {
        while true {
            if fsync(fd) == 0 { return }
            if errno == EINTR { continue }
            throw .io(operation: "fsync", path: path, errno: errno)
        }
    }

    static func truncate(_ fd: Int32, to length: Int64, path: String) throws(AuditError) {
        while true {
            if ftruncate(fd, off_t(length)) == 0 { return }
            if errno == EINTR { continue }
            throw .io(operation: "truncate", path: path, errno: errno)
        }
    }

    static func size(_ fd: Int32, path: String) throws(AuditError) -> Int64 {
        var info = system_stat()
        guard fstat(fd, &info) == 0 else { throw .io(operation: "stat", path: path, errno: errno) }
        return Int64(info.st_size)
    }

    /// Whether `path` still names the file open as `fd`: "deleted" when nothing is there, "replaced"
    /// when another file is (a different device or inode), nil when it is the same file.
    static func pathProblem(_ fd: Int32, path: String) -> String? {
        var open = system_stat()
        var named = system_stat()
        guard fstat(fd, &open) == 0 else { return nil }
        guard system_statPath(path, &named) == 0 else { return errno == ENOENT ? "deleted" : nil }
        return open.st_dev == named.st_dev && open.st_ino == named.st_ino ? nil : "replaced"
    }

    /// Size and modification time (seconds since the epoch) of a path, nil if it does not exist.
    static func stat(_ path: String) -> (size: Int64, modified: Double, isDirectory: Bool)? {
        var info = system_stat()
        guard system_statPath(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = Double(info.st_mtimespec.tv_sec) + Double(info.st_mtimespec.tv_nsec) / 1e9
        #else
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        #endif
        return (Int64(info.st_size), modified, (info.st_mode & S_IFMT) == S_IFDIR)
    }

    /// Makes a rename, creation or removal inside `directory` durable.
    static func syncDirectory(_ directory: String) throws(AuditError) {
        let fd = try open(directory, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fullSync(fd, path: directory)
    }

    static func rename(_ from: String, _ to: String) throws(AuditError) {
        guard system_rename(from, to) == 0 else { throw .io(operation: "rename", path: "\(from) -> \(to)", errno: errno) }
    }

    /// Removes a file; a file that is already gone is not an error.
    static func unlink(_ path: String) throws(AuditError) {
        guard system_unlink(path) == 0 || errno == ENOENT else { throw .io(operation: "unlink", path: path, errno: errno) }
    }

    /// Creates `path` and its missing parents.
    /// Creates `path` and its missing parents, each made durable in its parent (DurableFile).
    static func makeDirectories(_ path: String, mode: mode_t = 0o750) throws(AuditError) {
        do {
            try DurableFile.makeDirectories(path, mode: UInt32(mode))
        } catch {
            throw .io(operation: "mkdir", path: error.path, errno: error.code)
        }
    }

    static func listDirectory(_ path: String) throws(AuditError) -> [String] {
        guard let directory = opendir(path) else { throw .io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Reads a whole (small) file.
    static func readFile(_ path: String) throws(AuditError) -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try read(fd, into: &buffer, path: path)
            if count == 0 { return result }
            result.append(contentsOf: buffer[0..<count])
        }
    }

    static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    static func fileName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

// The wrappers above shadow libc names; these reach the originals from outside the enum.
private func system_open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func system_close(_ fd: Int32) -> Int32 { close(fd) }
private func system_pread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: off_t) -> Int {
    pread(fd, buffer, count, offset)
}
private func system_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, buffer, count) }
private func system_rename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
private func system_unlink(_ path: String) -> Int32 { unlink(path) }
private typealias system_stat = stat
private func system_statPath(_ path: String, _ info: inout system_stat) -> Int32 { stat(path, &info) }
