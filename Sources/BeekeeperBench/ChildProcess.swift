#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An external program the benchmarks drive (a server, a load generator, the sidecar itself),
/// started with `posix_spawnp`: stdout either a pipe read line by line or appended to a log file,
/// stderr to the log, stdin a pipe when asked for.
final class ChildProcess {
    let pid: pid_t
    let logPath: String
    private let stdinFD: Int32
    private let stdoutFD: Int32
    private var pending: [UInt8] = []
    private var exited = false

    /// - Parameters:
    ///   - pipeStdout: read stdout with ``readLine(timeout:)``; otherwise it goes to `logPath` too.
    ///   - pipeStdin: write to stdin with ``writeLine(_:)``; otherwise stdin is /dev/null.
    ///   - environment: `NAME=value` entries; nil inherits this process's environment.
    init?(
        _ arguments: [String], logPath: String, pipeStdout: Bool = false, pipeStdin: Bool = false,
        environment: [String]? = nil
    ) {
        self.logPath = logPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var outPipe: [Int32] = [-1, -1]
        var inPipe: [Int32] = [-1, -1]
        if pipeStdout { guard pipe(&outPipe) == 0 else { return nil } }
        if pipeStdin { guard pipe(&inPipe) == 0 else { return nil } }
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard log >= 0 else { return nil }
        defer { close(log) }
        if pipeStdin {
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
            posix_spawn_file_actions_addclose(&actions, inPipe[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        if pipeStdout {
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
            posix_spawn_file_actions_addclose(&actions, outPipe[0])
        } else {
            posix_spawn_file_actions_adddup2(&actions, log, 1)
        }
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var envp = (environment ?? []).map { strdup($0) } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var child: pid_t = 0
        let result = environment == nil
            ? posix_spawnp(&child, arguments[0], &actions, nil, &argv, environ)
            : posix_spawnp(&child, arguments[0], &actions, nil, &argv, &envp)
        if pipeStdout { close(outPipe[1]) }
        if pipeStdin { close(inPipe[0]) }
        guard result == 0 else {
            if pipeStdout { close(outPipe[0]) }
            if pipeStdin { close(inPipe[1]) }
            return nil
        }
        pid = child
        stdoutFD = pipeStdout ? outPipe[0] : -1
        stdinFD = pipeStdin ? inPipe[1] : -1
    }

    deinit {
        if stdoutFD >= 0 { close(stdoutFD) }
        if stdinFD >= 0 { close(stdinFD) }
    }

    /// The next line the child wrote on stdout, without its newline; nil at end of file or timeout.
    func readLine(timeout seconds: Double) -> String? {
        let deadline = Nanoseconds.now() + UInt64(seconds * 1e9)
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            let now = Nanoseconds.now()
            guard now < deadline else { return nil }
            var poller = pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(1000, (deadline - now) / 1_000_000 + 1)))
            if ready < 0, errno == EINTR { continue }
            guard ready >= 0 else { return nil }
            if ready == 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { read(stdoutFD, $0.baseAddress, $0.count) }
            if count <= 0 { return nil }
            pending += buffer[0..<count]
        }
    }

    func writeLine(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(stdinFD, $0.baseAddress, $0.count) }
    }

    var isRunning: Bool {
        if exited { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited = true }
        return !exited
    }

    /// Sends `signal` and waits up to `timeout` seconds for the exit (then SIGKILL); returns the
    /// raw wait status, or nil when it had to be killed.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Double = 30) -> Int32? {
        guard !exited else { return 0 }
        kill(pid, signal)
        let deadline = Nanoseconds.now() + UInt64(timeout * 1e9)
        var status: Int32 = 0
        while Nanoseconds.now() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                exited = true
                return status
            }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        exited = true
        return nil
    }

    /// Waits for the exit; returns the exit code (128 + signal when killed).
    func wait() -> Int32 {
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        exited = true
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    var log: String { Machine.readFile(logPath) ?? "" }

    /// This process's environment without the variables whose names start with `prefix`.
    static func environment(without prefix: String) -> [String] {
        var entries: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if !text.hasPrefix(prefix) { entries.append(text) }
            pointer += 1
        }
        return entries
    }

    /// Runs `arguments` to the end; returns the exit code and what it wrote on stdout.
    static func run(_ arguments: [String], logPath: String) -> (status: Int32, output: String) {
        guard let child = ChildProcess(arguments, logPath: logPath, pipeStdout: true) else { return (127, "") }
        var lines: [String] = []
        while let line = child.readLine(timeout: 600) { lines.append(line) }
        return (child.wait(), lines.joined(separator: "\n"))
    }
}

/// CPU time of processes from /proc, for "who used the cores" lines beside a throughput figure.
enum ProcessCPU {
    /// User + system seconds of `pid` (all its threads), plus what its exited children were
    /// charged; 0 when the process is gone.
    static func seconds(_ pid: pid_t) -> Double {
        guard let text = Machine.readFile("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return 0 }
        // Fields after "pid (comm)": state is field 3; utime, stime, cutime, cstime are 14 to 17.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 15 else { return 0 }
        let ticks = fields[11...14].compactMap { Double($0) }.reduce(0, +)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The live children of `pid` (from /proc/PID/task/*/children).
    static func children(_ pid: pid_t) -> [pid_t] {
        guard let tasks = opendir("/proc/\(pid)/task") else { return [] }
        defer { closedir(tasks) }
        var found: [pid_t] = []
        while let entry = readdir(tasks) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let tid = Int32(name), let text = Machine.readFile("/proc/\(pid)/task/\(tid)/children") else { continue }
            found += text.split(separator: " ").compactMap { Int32($0.trimmingSpaces()) }
        }
        return found
    }

    /// CPU seconds of `pid` and all its live descendants.
    static func treeSeconds(_ pid: pid_t) -> Double {
        seconds(pid) + children(pid).map { treeSeconds($0) }.reduce(0, +)
    }
}

/// Loopback ports for the servers a benchmark starts.
enum LocalPort {
    /// A port the kernel says is free right now (bound, read, released).
    static func free() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
