#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension AuditDirectoryLock {
    /// Whether a process holds `<directory>/audit.lock`, that is, a sidecar serves this data
    /// directory. Probes with a shared, non-blocking `flock` that is released at once; a missing
    /// lock file means nobody has served the directory yet.
    static func isHeld(directory: String) -> Bool {
        let path = POSIX.join(directory, fileName)
        guard let fd = try? POSIX.open(path, O_RDONLY) else { return false }
        defer { POSIX.close(fd) }
        while flock(fd, LOCK_SH | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            return errno == EWOULDBLOCK
        }
        _ = flock(fd, LOCK_UN)
        return false
    }
}

extension AuditLog {
    /// Whether another process (a running sidecar) writes the audit log in `directory`: then
    /// commands that would write the data directory ask that process instead.
    public static func isDirectoryLocked(_ directory: String) -> Bool {
        AuditDirectoryLock.isHeld(directory: directory)
    }
}
