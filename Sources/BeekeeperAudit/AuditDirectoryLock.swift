#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `<directory>/audit.lock`, holding the owner's pid. The kernel drops
/// the lock when the process dies, so a crash never leaves a stale lock behind. Locks belong to
/// the open file description: a second `AuditLog` in the same process is refused as well.
final class AuditDirectoryLock: Sendable {
    static let fileName = "audit.lock"

    let path: String
    private let fd: Int32

    init(directory: String) throws(AuditError) {
        path = POSIX.join(directory, Self.fileName)
        fd = try POSIX.open(path, O_RDWR | O_CREAT, mode: 0o640)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            // Throwing after every property is set runs deinit, which closes the descriptor.
            if code == EWOULDBLOCK {
                let holder = (try? POSIX.readFile(path)).flatMap {
                    Int32(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: [" ", "\n"]))
                }
                throw .locked(lockFile: path, holderPID: holder)
            }
            throw .io(operation: "lock", path: path, errno: code)
        }
        // The pid is only informational (for the error above); the flock is what excludes.
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 { try? POSIX.pwriteAll(fd, pid, at: 0, path: path) }
    }

    deinit { POSIX.close(fd) }
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
