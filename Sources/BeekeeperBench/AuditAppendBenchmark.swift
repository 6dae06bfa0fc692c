#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BeekeeperAudit
import BeekeeperCore
import Logging
import Sodium

/// `audit-append`: AuditLog throughput and latency per fsync mode, with 64 concurrent appenders
/// (each appending one task record at a time, as 64 request handlers would) and with one.
///
/// Baseline (issue 3, "group commit: many waiting writers share one fdatasync"): `always`, one
/// fdatasync per record. Rotation is pushed out of the way (1 GiB) so only the append path is timed;
/// gzip of sealed segments has its own benchmark.
///
/// For a profile of one case: `BEEKEEPER_BENCH_AUDIT_APPENDERS=1` (or `64`) and
/// `BEEKEEPER_BENCH_AUDIT_MODES=none` (comma-separated; `always` always runs, as the baseline the
/// others are compared with).
struct AuditAppendBenchmark {
    static let name = "audit-append"
    let context: BenchContext

    /// `BEEKEEPER_BENCH_AUDIT_APPENDERS`: the appender counts to run, 64 and 1 unless given.
    private var appenderCounts: [Int] {
        guard let text = getenv("BEEKEEPER_BENCH_AUDIT_APPENDERS") else { return [64, 1] }
        let counts = String(cString: text).split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
        return counts.isEmpty ? [64, 1] : counts
    }

    /// `BEEKEEPER_BENCH_AUDIT_MODES`: the fsync modes to run beside `always`, every mode unless given.
    private var modes: [AuditLogOptions.FsyncMode] {
        guard let text = getenv("BEEKEEPER_BENCH_AUDIT_MODES") else { return AuditLogOptions.FsyncMode.allCases }
        let chosen = Set(String(cString: text).split(separator: ",").compactMap { AuditLogOptions.FsyncMode(rawValue: String($0)) })
        return AuditLogOptions.FsyncMode.allCases.filter { $0 == .always || chosen.contains($0) }
    }

    private struct Run {
        var records: Int
        var seconds: Double
        var fsyncs: UInt64
        /// Time inside the log's fdatasync calls during the run.
        var fsyncSeconds: Double
        var latencies: Summary
        /// User + system CPU seconds of this process (every thread) during the run: on a loaded
        /// machine records/s says how much of a core the run got, CPU per record what it costs.
        var cpuSeconds: Double

        var recordsPerSecond: Double { Double(records) / seconds }
        var cpuMicrosecondsPerRecord: Double { cpuSeconds / Double(records) * 1e6 }
        var fsyncsPerRecord: Double { Double(fsyncs) / Double(records) }
    }

    func run() async -> [ResultRow] {
        let directory = context.makeDirectory("audit")
        defer { context.remove(directory) }
        print("audit directory: \(directory) — \(Machine.fileSystem(of: directory))")
        let records = Fixtures.taskRecords(count: 256, seed: 3)
        print("record line ≈ \(approximateLineBytes(records[0])) bytes")

        // Repetitions outermost and modes interleaved inside each, so that every mode sees the same
        // shifts in disk load from other processes; speed-ups are taken within a repetition.
        let modes = self.modes
        var rows: [ResultRow] = []
        for appenders in appenderCounts {
            let seconds = context.quick ? 0.25 : (appenders == 1 ? 1.0 : 2.0)
            var runs: [AuditLogOptions.FsyncMode: [Run]] = [:]
            var deviceSyncs: [Double] = []
            for repetition in 0..<context.repetitions(3) {
                deviceSyncs += rawSyncMicroseconds(directory: directory, seconds: context.quick ? 0.1 : 0.3)
                for mode in modes {
                    runs[mode, default: []].append(
                        await measure(
                            mode: mode, appenders: appenders, seconds: seconds, records: records,
                            directory: "\(directory)/\(mode.rawValue)-\(appenders)-\(repetition)"))
                }
            }
            let device = Summary(deviceSyncs)
            rows.append(emit(ResultRow(
                Self.name, "device: write(300 B)+fdatasync, 1 writer, between the \(appenders)-appender runs",
                ops: deviceSyncs.count, summary: device, unit: "µs/op",
                extra: "≈ \(Format.number(1e6 / device.median)) syncs/s at the median; p99 \(Format.number(device.percentile(0.99))) µs")))
            let always = runs[.always]!
            for mode in modes {
                let modeRuns = runs[mode]!
                let rate = Summary(modeRuns.map(\.recordsPerSecond))
                let p50 = Summary(modeRuns.map { $0.latencies.median }).median
                let p99 = Summary(modeRuns.map { $0.latencies.percentile(0.99) }).median
                let perRecord = Summary(modeRuns.map(\.fsyncsPerRecord)).median
                let cpu = Summary(modeRuns.map(\.cpuMicrosecondsPerRecord)).median
                var extra =
                    "fsyncs/record \(Format.number(perRecord)); append p50 \(Format.duration(nanoseconds: p50)), "
                    + "p99 \(Format.duration(nanoseconds: p99)); CPU \(Format.number(cpu)) µs/record "
                    + "(≈ \(Format.number(1e6 / cpu)) records per CPU-second)"
                let synced = modeRuns.filter { $0.fsyncs > 0 }
                if !synced.isEmpty {
                    let mean = Summary(synced.map { $0.fsyncSeconds / Double($0.fsyncs) * 1e9 }).median
                    extra += "; mean fdatasync \(Format.duration(nanoseconds: mean))"
                }
                if mode != .always {
                    let ratios = Summary(zip(modeRuns, always).map { $0.recordsPerSecond / $1.recordsPerSecond })
                    extra += "; \(Format.number(ratios.median))× always (per-repetition ratios \(Format.number(ratios.min))–\(Format.number(ratios.max)))"
                }
                rows.append(emit(ResultRow(
                    Self.name, "fsync=\(mode.rawValue), \(appenders) appender\(appenders == 1 ? "" : "s")",
                    ops: Int(Summary(modeRuns.map { Double($0.records) }).median), summary: rate, unit: "records/s",
                    extra: extra)))
            }
        }
        return rows
    }

    /// One run: a fresh log, `appenders` tasks appending until the deadline, statistics read before close.
    private func measure(
        mode: AuditLogOptions.FsyncMode, appenders: Int, seconds: Double, records: [AuditRecord], directory: String
    ) async -> Run {
        let logger = Logger(label: "beekeeper-bench.audit") { _ in SwiftLogNoOpLogHandler() }
        let options = AuditLogOptions(fsync: mode, rotateBytes: 1 << 30)
        let log: AuditLog
        do {
            log = try await AuditLog(
                directory: directory, options: options, signingKey: .fromSeed([UInt8](repeating: 7, count: 32)),
                hmacKey: Array("bench-hmac-key".utf8), logger: logger)
            for record in records.prefix(16) { try await log.append([record]) }
        } catch {
            fatalError("audit-append: cannot open or warm up the log in \(directory): \(error)")
        }
        let before = await log.statistics
        let cpuBefore = ShipBenchmark.processCPUSeconds()
        let start = Nanoseconds.now()
        let deadline = start + UInt64(seconds * 1e9)
        let latencies = await withTaskGroup(of: [UInt64].self) { group in
            for appender in 0..<appenders {
                group.addTask {
                    var latencies: [UInt64] = []
                    latencies.reserveCapacity(4096)
                    var next = appender
                    while Nanoseconds.now() < deadline {
                        let record = records[next % records.count]
                        next += appenders
                        let began = Nanoseconds.now()
                        do {
                            try await log.append([record])
                        } catch {
                            fatalError("audit-append: append failed: \(error)")
                        }
                        latencies.append(Nanoseconds.now() - began)
                    }
                    return latencies
                }
            }
            var all: [UInt64] = []
            for await part in group { all += part }
            return all
        }
        let elapsed = Double(Nanoseconds.now() - start) / 1e9
        let cpuSeconds = ShipBenchmark.processCPUSeconds() - cpuBefore
        let after = await log.statistics
        do {
            try await log.close()
        } catch {
            fatalError("audit-append: close failed: \(error)")
        }
        context.remove(directory)
        return Run(
            records: latencies.count, seconds: elapsed, fsyncs: after.fsyncs - before.fsyncs,
            fsyncSeconds: Double((after.fsyncTime - before.fsyncTime).components.attoseconds) / 1e18
                + Double((after.fsyncTime - before.fsyncTime).components.seconds),
            latencies: Summary(latencies), cpuSeconds: cpuSeconds)
    }

    /// What the device gives without the log: one 300-byte append and one fdatasync, back to back,
    /// for `seconds`; the microseconds of each.
    private func rawSyncMicroseconds(directory: String, seconds: Double) -> [Double] {
        let path = directory + "/raw-sync"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        precondition(fd >= 0, "cannot create \(path): errno \(errno)")
        defer {
            close(fd)
            unlink(path)
        }
        let line = [UInt8](repeating: 120, count: 299) + [10]
        var timings: [Double] = []
        let deadline = Nanoseconds.now() + UInt64(seconds * 1e9)
        while Nanoseconds.now() < deadline {
            let nanoseconds = Nanoseconds.measure {
                let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                precondition(written == line.count && Self.dataSync(fd) == 0, "raw write+fdatasync failed: errno \(errno)")
            }
            timings.append(Double(nanoseconds) / 1000)
        }
        return timings
    }

    private static func dataSync(_ fd: Int32) -> Int32 {
        #if canImport(Darwin)
        fsync(fd)
        #else
        fdatasync(fd)
        #endif
    }

    private func emit(_ row: ResultRow) -> ResultRow {
        row.print()
        return row
    }

    private func approximateLineBytes(_ record: AuditRecord) -> Int {
        // seq, ts, type and chain members the log adds: about 110 bytes around the fields.
        record.fields.reduce(110 + record.type.utf8.count) { $0 + $1.key.utf8.count + $1.value.serialized().utf8.count + 4 }
    }
}
