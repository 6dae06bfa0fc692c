#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BeekeeperAudit
import BeekeeperShipper
import Logging
import Sodium

/// `ship`: the shipper sending N sealed 4 MiB segments (32; 8 with `--quick`), oldest first, one
/// at a time, each hashed, uploaded and marked shipped (fsync), to a local nginx over HTTP PUT and
/// to a `file://` directory on the scratch disk (copy, fsync, link, directory fsync). MB/s is wall
/// throughput; CPU is user+system time per GB shipped, for Beekeeper and for nginx.
struct ShipBenchmark {
    static let name = "ship"
    let context: BenchContext

    func run() async -> [ResultRow] {
        let directory = context.makeDirectory("ship")
        defer { context.remove(directory) }
        let audit = directory + "/audit"
        let copies = directory + "/copies"
        mkdir(audit, 0o755)
        mkdir(copies, 0o755)
        let count = context.quick ? 8 : 32
        let size = 4 << 20
        writeSegments(count: count, size: size, into: audit)
        print("segments: \(count) × \(Format.bytes(Double(size))) (random bytes, as incompressible as gzip output), \(Machine.fileSystem(of: directory))")

        guard let nginx = NginxServer.start(prefix: directory + "/nginx") else {
            print("ship: skipped, nginx could not be started (install nginx-light)")
            return []
        }
        defer { nginx.stop() }
        var logger = Logger(label: "beekeeper-bench")
        logger.logLevel = .warning

        let targets: [(String, any ShipmentTarget, () -> Double)] = [
            (
                "HTTP PUT to local nginx", HTTPShipmentTarget(baseURL: "http://127.0.0.1:\(nginx.port)/audit/", timeout: .seconds(60), logger: logger),
                { nginx.cpuSeconds }
            ),
            ("file:// copy + fsync", FileShipmentTarget(directory: copies, logger: logger), { 0 }),
        ]
        var rows: [ResultRow] = [hashRow(size: size)]
        for (label, target, peerCPU) in targets {
            var rates: [Double] = []
            var ownCPU: [Double] = []
            var otherCPU: [Double] = []
            for _ in 0..<context.repetitions(3) {
                reset(audit: audit, collectors: [nginx.root + "/audit", copies])
                let shipper = Shipper(directory: audit, target: target, backoff: ShipperBackoff(initial: .seconds(1), maximum: .seconds(1)), logger: logger)
                let cpuBefore = Self.processCPUSeconds()
                let peerBefore = peerCPU()
                let start = Nanoseconds.now()
                await shipper.shipReady()
                let seconds = Double(Nanoseconds.now() - start) / 1e9
                let status = shipper.status
                precondition(status.shipped == count && status.failed == 0, "ship: \(label): \(status)")
                let gigabytes = Double(count * size) / 1e9
                rates.append(Double(count * size) / 1e6 / seconds)
                ownCPU.append((Self.processCPUSeconds() - cpuBefore) / gigabytes)
                otherCPU.append((peerCPU() - peerBefore) / gigabytes)
            }
            let seconds = Double(count * size) / 1e6 / Summary(rates).median
            var extra = "\(Format.number(seconds)) s for \(count) segments; Beekeeper CPU \(Format.number(Summary(ownCPU).median)) s/GB"
            if label.hasPrefix("HTTP") { extra += ", nginx CPU \(Format.number(Summary(otherCPU).median)) s/GB" }
            let row = ResultRow(Self.name, "\(label), \(count) × 4 MiB", ops: count, summary: Summary(rates), unit: "MB/s", extra: extra)
            row.print()
            rows.append(row)
        }
        return rows
    }

    /// SHA-256 of a 4 MiB buffer in memory: every target hashes each segment once before sending
    /// (the digest goes in a header or is compared with the target's copy), the file target once more while copying.
    private func hashRow(size: Int) -> ResultRow {
        var random = RandomSource(seed: 3)
        let buffer = (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var digest: [UInt8] = []
        let rates = (0..<context.repetitions(5)).map { _ in
            Double(size) / 1e6 / (Double(Nanoseconds.measure { digest = SHA256.hash(buffer) }) / 1e9)
        }
        precondition(digest.count == 32)
        let row = ResultRow(Self.name, "SHA-256 (libsodium) of 4 MiB in memory", ops: 1, summary: Summary(rates), unit: "MB/s")
        row.print()
        return row
    }

    /// Sealed, compressed segment files (the shipper only moves them; random bytes stand in for gzip).
    private func writeSegments(count: Int, size: Int, into directory: String) {
        var random = RandomSource(seed: 9)
        var buffer = [UInt8](repeating: 0, count: size)
        for index in 0..<count {
            buffer.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for position in words.indices { words[position] = random.next() }
            }
            let path = directory + "/" + AuditSegments.fileName(firstSeq: UInt64(1 + index * 1000), compressed: true)
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o640)
            precondition(fd >= 0, "ship: cannot create \(path)")
            precondition(buffer.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == size, "ship: short write")
            fsync(fd)
            close(fd)
        }
    }

    /// Removes the shipped markers and what the collectors received, so every repetition ships everything.
    private func reset(audit: String, collectors: [String]) {
        for directory in [audit] + collectors {
            guard let handle = opendir(directory) else { continue }
            var names: [String] = []
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != ".", name != "..", directory != audit || name.hasSuffix(".shipped") { names.append(name) }
            }
            closedir(handle)
            for name in names { unlink(directory + "/" + name) }
        }
    }

    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
