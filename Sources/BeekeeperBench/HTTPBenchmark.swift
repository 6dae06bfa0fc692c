#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BeekeeperCore
import Sodium

/// `http` (issue 9, item 4): the task path end to end. A fresh release `beekeeper serve` with
/// one worker bee (`echo`, 4 Python processes), `audit.fsync: batch` and the default Guardian
/// takes N pre-signed `POST /v1/tasks` from wrk at 64 connections (each request sent once);
/// then wrk hammers `GET /healthz` on the same sidecar, the HTTP ceiling beside the task rate.
/// Reported per round: tasks/s, wrk's p50/p99, the sidecar's CPU per task, its peak RSS
/// (`VmHWM` once both loads are done) and `/healthz` requests/s.
///
/// `BEEKEEPER_BENCH_BASELINE_SIDECAR=<binary>` runs the same rounds against that binary too,
/// alternating with this build's, three rounds each (`BEEKEEPER_BENCH_HTTP_ROUNDS` sets how many).
/// `BEEKEEPER_BENCH_PERF=<file>` records the
/// first round of this build's sidecar with `perf record -e cpu-clock -g` into that file (and
/// the baseline's into `<file>.baseline`).
/// `BEEKEEPER_BENCH_PERF_STAT=<directory>` counts, per thread, the context switches and syscalls
/// of each binary's sidecar during each round's tasks (`perf stat --per-thread`, not `/healthz`)
/// into `<directory>/<this-build|baseline>-<round>.txt`: hops per task, where CPU per task hides them.
struct HTTPBenchmark {
    /// What `BEEKEEPER_BENCH_PERF_STAT` counts (tracepoints need root or a low perf_event_paranoid).
    static let statEvents = [
        "context-switches", "raw_syscalls:sys_enter", "syscalls:sys_enter_read", "syscalls:sys_enter_write",
        "syscalls:sys_enter_poll", "syscalls:sys_enter_epoll_wait", "syscalls:sys_enter_futex",
    ]

    static let name = "http"
    let context: BenchContext

    /// Tasks per round: 6,000 (1,000 with `--quick`), or `BEEKEEPER_BENCH_HTTP_COUNT`.
    var count: Int {
        if let text = getenv("BEEKEEPER_BENCH_HTTP_COUNT"), let value = Int(String(cString: text)), value > 0 { return value }
        return context.quick ? 1000 : 6000
    }

    struct Round {
        var tasks: SignedTaskLoad.Result
        var sidecarCPUPerTask: Double
        var beesCPUPerTask: Double
        var peakRSSBytes: Int
        var healthz: Double
        /// The audit log's fdatasyncs per task (its `/metrics` histogram count across the tasks):
        /// each costs tens of µs of kernel CPU on this VM, so how many a task needs matters.
        var fsyncsPerTask: Double
    }

    func run() -> [ResultRow] {
        guard SignedTaskLoad.wrk != nil else {
            say("http: skipped, wrk is not installed (apt-get install wrk)")
            return []
        }
        let binary = ColoniesBenchmark.executableDirectory() + "/beekeeper"
        guard access(binary, X_OK) == 0 else {
            say("http: skipped, no \(binary): swift build -c release --product beekeeper")
            return []
        }
        var binaries = [("this build", binary)]
        if let baseline = getenv("BEEKEEPER_BENCH_BASELINE_SIDECAR").map({ String(cString: $0) }) {
            binaries.append(("baseline \(baseline)", baseline))
        }
        let python = ColoniesBenchmark.python()
        let directory = context.makeDirectory("http")
        defer { if getenv("BEEKEEPER_BENCH_KEEP") == nil { context.remove(directory) } }
        let key = Ed25519.KeyPair.generate()
        let perf = getenv("BEEKEEPER_BENCH_PERF").map { String(cString: $0) }
        let perfStat = getenv("BEEKEEPER_BENCH_PERF_STAT").map { String(cString: $0) }
        if let perfStat { mkdir(perfStat, 0o755) }
        var rounds = binaries.count > 1 ? 3 : context.repetitions(3)
        if let text = getenv("BEEKEEPER_BENCH_HTTP_ROUNDS"), let value = Int(String(cString: text)), value > 0 { rounds = value }
        say("http: \(count) signed tasks per round, wrk 64 connections, bee `echo` (worker, \(ColoniesBenchmark.beeConcurrency) Python processes), "
            + "audit fsync batch, default Guardian; \(rounds) round(s) per binary, alternating")

        var results: [String: [Round]] = [:]
        for round in 1...rounds {
            for (label, path) in binaries {
                let profile = round == 1 ? perf.map { label == "this build" ? $0 : $0 + ".baseline" } : nil
                let stat = perfStat.map { $0 + "/" + (label == "this build" ? "this-build" : "baseline") + "-\(round).txt" }
                guard let outcome = runRound(
                    binary: path, python: python, directory: directory + "/\(round)-\(results[label]?.count ?? 0)-\(label.prefix(4))", key: key,
                    perf: profile, perfStat: stat)
                else {
                    say("http: round \(round) of \(label) failed")
                    continue
                }
                say("http: round \(round), \(label): \(Format.number(outcome.tasks.rate)) tasks/s, \(outcome.tasks.latencyText), "
                    + "sidecar \(Format.number(outcome.sidecarCPUPerTask * 1e6)) µs CPU/task, "
                    + "\(Format.number(outcome.fsyncsPerTask)) audit fdatasyncs/task, peak RSS \(Format.number(Double(outcome.peakRSSBytes) / 1_048_576)) MiB, "
                    + "/healthz \(Format.number(outcome.healthz)) req/s; load \(Machine.loadAverage)")
                results[label, default: []].append(outcome)
            }
        }

        var rows: [ResultRow] = []
        for (label, _) in binaries {
            guard let runs = results[label], !runs.isEmpty else { continue }
            let rates = Summary(runs.map(\.tasks.rate))
            let p50 = Summary(runs.map(\.tasks.p50Microseconds)).median / 1000
            let p99 = Summary(runs.map(\.tasks.p99Microseconds)).median / 1000
            let cpu = Summary(runs.map(\.sidecarCPUPerTask)).median * 1e6
            let bees = Summary(runs.map(\.beesCPUPerTask)).median * 1e6
            let fsyncs = Summary(runs.map(\.fsyncsPerTask)).median
            let rss = Double(runs.map(\.peakRSSBytes).max() ?? 0) / 1_048_576
            let healthz = Summary(runs.map(\.healthz))
            var extra = "p50 \(Format.number(p50)) ms, p99 \(Format.number(p99)) ms (medians); sidecar \(Format.number(cpu)) µs CPU/task, bees \(Format.number(bees)) µs, audit fdatasyncs/task \(Format.number(fsyncs)); "
            extra += "peak RSS \(Format.number(rss)) MiB; GET /healthz \(Format.number(healthz.median)) req/s (\(Format.number(healthz.min))–\(Format.number(healthz.max)))"
            if let failures = runs.compactMap(\.tasks.failureText).first { extra += "; " + failures }
            rows.append(emit(ResultRow(
                Self.name, "signed POST /v1/tasks, \(label)", ops: count, summary: rates, unit: "tasks/s", extra: extra)))
            rows.append(emit(ResultRow(
                Self.name, "GET /healthz, same sidecar, \(label)", ops: runs.count, summary: healthz, unit: "req/s",
                extra: "tasks reach \(Format.number(rates.median / healthz.median * 100)) % of it")))
        }
        if binaries.count > 1, let mine = results["this build"], let theirs = results[binaries[1].0], !mine.isEmpty, !theirs.isEmpty {
            let ratio = Summary(mine.map(\.tasks.rate)).median / Summary(theirs.map(\.tasks.rate)).median
            rows.append(emit(ResultRow(
                Self.name, "ratio tasks/s this build / baseline (medians, same run)", ops: count, median: ratio, min: ratio, max: ratio,
                unit: "×", extra: "")))
        }
        return rows
    }

    /// One fresh sidecar: the signed tasks, then `/healthz`, then its peak RSS; stopped after.
    private func runRound(binary: String, python: String, directory: String, key: Ed25519.KeyPair, perf: String?, perfStat: String?) -> Round? {
        mkdir(directory, 0o755)
        let port = LocalPort.free()
        guard let sidecar = ColoniesBenchmark.startSidecar(
            binary: binary, python: python, directory: directory, port: port, colony: nil, server: "", key: key)
        else { return nil }
        defer { _ = sidecar.stop(signal: SIGTERM, timeout: 60) }
        let load = SignedTaskLoad(count: count)
        load.prepare(directory: directory, key: key)

        var recorder: ChildProcess? = nil
        if let perf {
            recorder = ChildProcess(
                ["perf", "record", "-e", "cpu-clock", "-g", "-p", String(sidecar.pid), "-o", perf], logPath: directory + "/perf.log")
            usleep(500_000)  // perf attaches to every thread before the load starts
        } else if let perfStat {
            recorder = ChildProcess(
                ["perf", "stat", "--per-thread", "-e", Self.statEvents.joined(separator: ","), "-p", String(sidecar.pid), "-o", perfStat],
                logPath: directory + "/perf.log")
            usleep(500_000)
        }
        let fsyncsBefore = Self.auditFsyncs(port: port)
        let sidecarBefore = ProcessCPU.seconds(sidecar.pid)
        let beesBefore = ProcessCPU.children(sidecar.pid).map { ProcessCPU.treeSeconds($0) }.reduce(0, +)
        let result = load.run(directory: directory, port: port)
        let sidecarCPU = ProcessCPU.seconds(sidecar.pid) - sidecarBefore
        let beesCPU = ProcessCPU.children(sidecar.pid).map { ProcessCPU.treeSeconds($0) }.reduce(0, +) - beesBefore
        if let recorder {
            kill(recorder.pid, SIGINT)
            _ = recorder.wait()
            say("http: perf \(perf != nil ? "profile" : "counts") of the sidecar in \(perf ?? perfStat!) (\(result.map { "\(Int($0.requests))" } ?? "no") tasks)")
        }
        guard let result else { return nil }
        let fsyncs = Self.auditFsyncs(port: port) - fsyncsBefore
        let healthz = load.plainGetRate(port: port, path: "/healthz", seconds: context.quick ? 1 : 3, directory: directory) ?? .nan
        return Round(
            tasks: result, sidecarCPUPerTask: sidecarCPU / max(result.requests, 1), beesCPUPerTask: beesCPU / max(result.requests, 1),
            peakRSSBytes: Self.peakRSS(sidecar.pid), healthz: healthz, fsyncsPerTask: fsyncs / max(result.requests, 1))
    }

    /// The count of `beekeeper_audit_fsync_duration_seconds` on the sidecar's `/metrics` (NaN if unreadable).
    static func auditFsyncs(port: Int) -> Double {
        guard let metrics = LocalHTTP.get(port: port, path: "/metrics"), metrics.status == 200 else { return .nan }
        return LocalHTTP.sample(metrics.body, "beekeeper_audit_fsync_duration_seconds_count") ?? .nan
    }

    /// `VmHWM` of `/proc/<pid>/status`: the most resident memory the process has had, in bytes.
    static func peakRSS(_ pid: pid_t) -> Int {
        guard let status = Machine.readFile("/proc/\(pid)/status") else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            // `VmHWM:\t   23456 kB`: tabs and spaces before the number.
            let fields = line.dropFirst("VmHWM:".count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            return (Int(fields.first ?? "") ?? 0) * 1024
        }
        return 0
    }

    private func emit(_ row: ResultRow) -> ResultRow {
        row.print()
        fflush(nil)
        return row
    }

    private func say(_ line: String) {
        print(line)
        fflush(nil)
    }
}
