#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the numbers were measured on: printed first, and copied into BENCHMARKS.md.
enum Machine {
    static var processors: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    static var cpuModel: String {
        guard let text = readFile("/proc/cpuinfo") else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return String(line[line.index(after: colon)...]).trimmingSpaces()
            }
        }
        return "unknown"
    }

    static var kernel: String {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let system = withUnsafeBytes(of: &name.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return "\(system) \(release)"
    }

    /// The 1, 5 and 15 minute load averages: on a shared machine, read every figure against them.
    static var loadAverage: String {
        guard let text = readFile("/proc/loadavg") else { return "unknown" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    static var buildConfiguration: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    /// The toolchain on PATH (the one that built this binary when run from the package directory).
    static var swiftVersion: String {
        guard let pipe = popen("swift --version 2>&1", "r") else { return compilerVersion }
        defer { pclose(pipe) }
        var buffer = [CChar](repeating: 0, count: 512)
        guard fgets(&buffer, Int32(buffer.count), pipe) != nil else { return compilerVersion }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let trimmed = line.trimmingSpaces()
        return trimmed.isEmpty ? compilerVersion : trimmed
    }

    /// Fallback when no `swift` is on PATH: the language mode compiler this was built with.
    private static var compilerVersion: String {
        #if compiler(>=6.4)
        "Swift compiler >= 6.4"
        #elseif compiler(>=6.3)
        "Swift compiler 6.3.x"
        #elseif compiler(>=6.2)
        "Swift compiler 6.2.x"
        #else
        "Swift compiler < 6.2"
        #endif
    }

    /// Resident set size in bytes, from /proc/self/statm.
    static var residentBytes: Int {
        guard let text = readFile("/proc/self/statm") else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Returns freed heap memory to the system (glibc's `malloc_trim`, looked up at run time since
    /// the Glibc module does not import malloc.h), so a later RSS delta counts what was allocated since.
    static func trimHeap() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        #endif
    }

    /// The file system type holding `path` (longest mount-point prefix in /proc/mounts).
    static func fileSystem(of path: String) -> String {
        guard let text = readFile("/proc/mounts") else { return "unknown" }
        var best = (length: -1, description: "unknown")
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let mountPoint = String(fields[1])
            let matches = mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
            if matches, mountPoint.count > best.length {
                best = (mountPoint.count, "\(fields[2]) on \(fields[0]) (mounted at \(mountPoint))")
            }
        }
        return best.description
    }

    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func describe() -> String {
        "machine: nproc=\(processors); cpu=\(cpuModel); kernel=\(kernel); \(swiftVersion); build=\(buildConfiguration); load=\(loadAverage)"
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
