import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process group a bee process leads (its id is the leader's pid). Signals go to the whole
/// group, so whatever the bee started goes down with it.
struct ProcessGroup: Sendable {
    let id: pid_t

    /// Sends `signal` to every member; false if the group is gone.
    @discardableResult
    func send(_ signal: Int32) -> Bool {
        kill(-id, signal) == 0
    }

    /// Reaps members that became our children when their parent died (we are a child
    /// subreaper, see ``ProcessSupervision``). Only call this once the leader has been reaped by
    /// Subprocess, or it would take the leader's status from it.
    func reapOrphans() {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-id, &status, WNOHANG)
            if pid > 0 { continue }
            if pid < 0, errno == EINTR { continue }
            return
        }
    }

    /// Whether a member is left that is alive, or a zombie we must still reap.
    var hasLiveMembers: Bool {
        reapOrphans()
        if kill(-id, 0) != 0 {
            // ESRCH: nobody left. EPERM: only members we may not signal, which we cannot stop.
            return false
        }
        #if os(Linux)
        // Zombies still count for kill(2); if init adopted them and does not reap, they would
        // look alive forever. Our own zombies (one may have died since reapOrphans) count.
        return Self.linuxGroupHasMember(id, reapableBy: getpid())
        #else
        return true
        #endif
    }

    /// After the leader has been reaped: waits for the rest of the group to exit until
    /// `killAt`, then sends SIGKILL, and reaps what it can. Polls only in this rare case
    /// (the common case is one `kill(-pgid, 0)` returning ESRCH).
    func cleanUp(killAt: ContinuousClock.Instant, logger: Logger) async {
        var killed = false
        while hasLiveMembers {
            let now = ContinuousClock.now
            if !killed, now >= killAt {
                send(SIGKILL)
                killed = true
            } else if killed, now >= killAt + .seconds(2) {
                logger.warning("processes of a bee's group outlive SIGKILL", metadata: ["pgid": "\(id)"])
                return
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    #if os(Linux)
    private static func linuxGroupHasMember(_ group: pid_t, reapableBy parent: pid_t) -> Bool {
        guard let directory = opendir("/proc") else { return true }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let pid: pid_t? = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                var value: pid_t = 0
                for byte in raw {
                    if byte == 0 { break }
                    guard byte >= 0x30, byte <= 0x39 else { return nil }
                    value = value &* 10 &+ pid_t(byte - 0x30)
                }
                return value > 0 ? value : nil
            }
            guard let pid, let stat = stat(of: pid), stat.group == group else { continue }
            let dead = stat.state == UInt8(ascii: "Z") || stat.state == UInt8(ascii: "X")
            if !dead || stat.parent == parent { return true }
        }
        return false
    }

    /// Reads state, ppid and pgrp from `/proc/PID/stat`: `pid (comm) S ppid pgrp ...`.
    static func stat(of pid: pid_t) -> (state: UInt8, parent: pid_t, group: pid_t)? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let bytes = buffer[..<count]
        guard let commEnd = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(commEnd + 1)...].split(separator: UInt8(ascii: " "), maxSplits: 4)
        guard fields.count >= 3, let state = fields[0].first,
            let parent = pid_t(String(decoding: fields[1], as: UTF8.self)),
            let group = pid_t(String(decoding: fields[2], as: UTF8.self))
        else { return nil }
        return (state, parent, group)
    }
    #endif
}
