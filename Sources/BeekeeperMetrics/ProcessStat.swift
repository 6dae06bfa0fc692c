#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The fields of `/proc/self/stat` these metrics need.
struct ProcessStat {
    var cpuSeconds: Double
    var residentBytes: Double
    var startTicks: Double

    static var ticksPerSecond: Double {
        #if os(Linux)
        Double(sysconf(Int32(_SC_CLK_TCK)))
        #else
        100
        #endif
    }

    static func current() -> ProcessStat? {
        #if os(Linux)
        guard let text = readProcFile("/proc/self/stat") else { return nil }
        return parse(stat: text, ticksPerSecond: ticksPerSecond, pageSize: Double(sysconf(Int32(_SC_PAGESIZE))))
        #else
        return nil
        #endif
    }

    /// Parses a `stat` line. The command name (field 2) may hold spaces and parentheses, so fields are
    /// counted after its last `)`: utime, stime, starttime and rss are fields 14, 15, 22 and 24.
    static func parse(stat text: String, ticksPerSecond: Double, pageSize: Double) -> ProcessStat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state).
        guard fields.count > 21, let utime = Double(fields[11]), let stime = Double(fields[12]),
            let start = Double(fields[19]), let rss = Double(fields[21].prefix { $0 != "\n" })
        else { return nil }
        return ProcessStat(cpuSeconds: (utime + stime) / ticksPerSecond, residentBytes: rss * pageSize, startTicks: start)
    }

    /// Seconds since the epoch at boot, the `btime` line of `/proc/stat`.
    static func bootTime() -> Double? {
        guard let text = readProcFile("/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst("btime ".count))
        }
        return nil
    }

    /// Entries of `/proc/self/fd`, less the descriptor used to list them.
    static func openFileDescriptors() -> Int? {
        #if os(Linux)
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDotEntry = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDotEntry { count += 1 }
        }
        return max(count - 1, 0)
        #else
        return nil
        #endif
    }

    /// Reads a whole file by `read(2)`: files in `/proc` report a size of 0.
    static func readProcFile(_ path: String) -> String? {
        #if os(Linux)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { return nil }
            if got == 0 { break }
            bytes.append(contentsOf: buffer[0..<got])
        }
        return String(decoding: bytes, as: UTF8.self)
        #else
        return nil
        #endif
    }
}
