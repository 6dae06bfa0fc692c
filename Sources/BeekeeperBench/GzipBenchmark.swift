#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Sodium
import Zlib

/// `gzip`: `Gzip.compressFile` of a sealed-segment-sized file of audit lines (64 MiB; 8 MiB with
/// `--quick`) at levels 1, 6 and 9. The source is read from the page cache (it was just written)
/// and the output is not fsynced, so this is compression speed, not disk speed. Then the same
/// lines from memory through zlib 1/6/9 and ISA-L's igzip 0-3 (GzipBenchmark+Igzip).
struct GzipBenchmark {
    static let name = "gzip"
    let context: BenchContext

    func run() -> [ResultRow] {
        let directory = context.makeDirectory("gzip")
        defer { context.remove(directory) }
        let source = directory + "/segment.jsonl"
        let size = context.quick ? 8 << 20 : 64 << 20
        let lines = writeSegment(to: source, bytes: size)
        print("segment: \(Format.bytes(Double(size))), \(Format.grouped(lines)) lines, \(Machine.fileSystem(of: directory))")

        var rows: [ResultRow] = []
        for level in [1, 6, 9] {
            var outputBytes = 0
            let seconds = (0..<context.repetitions(level == 9 ? 2 : 3)).map { _ in
                Double(
                    Nanoseconds.measure {
                        do {
                            outputBytes = try Gzip.compressFile(at: source, to: source + ".gz", level: level).outputBytes
                        } catch {
                            fatalError("gzip: compressFile failed: \(error)")
                        }
                    }) / 1e9
            }
            let rates = Summary(seconds.map { Double(size) / 1e6 / $0 })
            let row = ResultRow(
                Self.name, "level \(level), \(Format.bytes(Double(size))) segment", ops: size, summary: rates, unit: "MB/s",
                extra: "ratio \(Format.number(Double(size) / Double(outputBytes))):1 (\(Format.bytes(Double(outputBytes)))), "
                    + "\(Format.number(Summary(seconds).median)) s per segment")
            row.print()
            rows.append(row)
        }
        rows += compareCodecs(corpus: readCorpus(at: source, bytes: size))
        return rows
    }

    private func readCorpus(at path: String, bytes: Int) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        precondition(fd >= 0, "gzip: cannot open \(path): errno \(errno)")
        defer { close(fd) }
        var corpus = [UInt8](repeating: 0, count: bytes)
        var filled = 0
        while filled < bytes {
            let count = corpus.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, bytes - filled) }
            precondition(count > 0, "gzip: short read of \(path)")
            filled += count
        }
        return corpus
    }

    /// Writes audit-like JSONL: task.received / task.approved / task.succeeded triples with real
    /// SHA-256 chains, uuids and payload digests, until `bytes`. Returns the number of lines.
    private func writeSegment(to path: String, bytes: Int) -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "gzip: cannot create \(path): errno \(errno)")
        defer { close(fd) }
        var random = RandomSource(seed: 5)
        var chain = String(repeating: "0", count: 64)
        var seq = 0
        var written = 0
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var micros = 1_732_244_777_000_000
        func emit(_ prefix: String) {
            seq += 1
            chain = Hex.encode(SHA256.hash(Array((chain + prefix).utf8)))
            let line = prefix + ",\"chain\":\"" + chain + "\"}\n"
            buffer += line.utf8
        }
        while written + buffer.count < bytes {
            let task = random.uuid()
            let funcname = ["validate_revenue", "sync_invoices", "score_lead"][Int(random.next() % 3)]
            let bee = funcname == "validate_revenue" ? "finance" : funcname == "sync_invoices" ? "billing" : "sales"
            micros += Int(random.next() % 20_000)
            let ts = "2024-11-22T03:\(String(10 + (micros / 60_000_000) % 50)):\(String(10 + (micros / 1_000_000) % 50)).\(String(100_000 + micros % 900_000))Z"
            let common = "\"task_id\":\"\(task)\",\"bee\":\"\(bee)\",\"funcname\":\"\(funcname)\""
            let digest = Hex.encode(SHA256.hash(Array(task.utf8)))
            emit("{\"seq\":\(seq + 1),\"ts\":\"\(ts)\",\"type\":\"task.received\",\(common),\"payload_bytes\":\(900 + random.next() % 600),\"payload_sha256\":\"\(digest)\",\"actor\":\"ops\"")
            emit("{\"seq\":\(seq + 1),\"ts\":\"\(ts)\",\"type\":\"task.approved\",\(common)")
            let duration = Double(Int(random.latency(median: 20, sigma: 0.8) * 1000)) / 1000
            emit("{\"seq\":\(seq + 1),\"ts\":\"\(ts)\",\"type\":\"task.succeeded\",\(common),\"attempt\":1,\"duration_ms\":\(duration)")
            if buffer.count >= 1 << 20 { written += flush(&buffer, to: fd) }
        }
        written += flush(&buffer, to: fd)
        if written > bytes { precondition(ftruncate(fd, off_t(bytes)) == 0, "gzip: ftruncate failed") }
        return seq
    }

    private func flush(_ buffer: inout [UInt8], to fd: Int32) -> Int {
        let count = buffer.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        precondition(count == buffer.count, "gzip: short write")
        buffer.removeAll(keepingCapacity: true)
        return count
    }
}
