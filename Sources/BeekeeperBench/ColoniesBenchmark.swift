#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BeekeeperCore
import Sodium

/// `colonies`: the release `beekeeper serve` with one worker bee (4 Python workers that echo)
/// as a ColonyOS executor, fed in one run through both of its sources:
/// - A: N processes submitted as fast as a Python user can (pre-signed `submitfuncspecmsg`
///   calls from 8 threads) to a Colonies server: the stand-in (pure Python, default) or a real
///   one (`BEEKEEPER_BENCH_COLONIES_URL` + `_SERVER_PRVKEY`); timed from the first submit to the
///   last acknowledged report (its `colonies.reported` audit record);
/// - B: N signed `POST /v1/tasks` to the same sidecar and bee by wrk (64 connections,
///   pre-signed requests).
/// CPU seconds of the server, the sidecar, the bees and the client are printed for each phase, so
/// the reader can tell which one bounds the figure.
struct ColoniesBenchmark {
    static let name = "colonies"
    let context: BenchContext
    static let beeConcurrency = 4
    static let connections = 64

    /// Processes per phase: 2,000 (200 with `--quick`), or `BEEKEEPER_BENCH_COLONIES_COUNT`.
    var count: Int {
        if let text = getenv("BEEKEEPER_BENCH_COLONIES_COUNT"), let value = Int(String(cString: text)), value > 0 { return value }
        return context.quick ? 200 : 2000
    }

    func run() -> [ResultRow] {
        guard let tools = Self.toolsDirectory() else {
            say("colonies: skipped, Tests/BeekeeperIntegrationTests/Tools not found (run from the package directory)")
            return []
        }
        let sidecarBinary = Self.executableDirectory() + "/beekeeper"
        guard access(sidecarBinary, X_OK) == 0 else {
            say("colonies: skipped, no \(sidecarBinary): swift build -c release --product beekeeper")
            return []
        }
        let python = Self.python()
        let directory = context.makeDirectory("colonies")
        defer { if getenv("BEEKEEPER_BENCH_KEEP") == nil { context.remove(directory) } }

        guard let server = ColoniesServer.start(python: python, tools: tools, directory: directory) else { return [] }
        defer { server.stop() }
        let colony = "bench-" + Hex.encode(Sodium.randomBytes(4))
        let setup = ChildProcess.run(
            [
                python, tools + "/colonies_setup.py", "--server", server.url, "--server-prvkey", server.key, "--colony", colony,
                "--executor-name", "beekeeper-bench", "--executor-type", "beekeeper-bench", "--out", directory + "/setup.json",
                "--executor-key-file", directory + "/executor.key",
            ], logPath: directory + "/setup.log")
        guard setup.status == 0 else {
            say("colonies: setup failed (\(setup.status)): \(Machine.readFile(directory + "/setup.log") ?? "")")
            return []
        }

        let keyPair = Ed25519.KeyPair.generate()
        let port = LocalPort.free()
        guard let sidecar = Self.startSidecar(
            binary: sidecarBinary, python: python, directory: directory, port: port, colony: colony, server: server.url, key: keyPair)
        else { return [] }
        var sidecarStopped = false
        defer { if !sidecarStopped { sidecar.stop(signal: SIGKILL) } }
        say("colonies: \(server.label) at \(server.url), colony \(colony); sidecar pid \(sidecar.pid) on 127.0.0.1:\(port), "
            + "bee `echo` (worker, \(Self.beeConcurrency) Python processes), colonies concurrency \(Self.beeConcurrency), audit fsync batch; "
            + "\(count) processes, then \(count) tasks")

        var rows: [ResultRow] = []
        guard let colonies = phaseA(python: python, tools: tools, directory: directory, port: port, server: server, sidecar: sidecar) else {
            say("colonies: phase A failed; sidecar log: \(directory)/sidecar.log")
            return rows
        }
        rows.append(colonies.row)
        colonies.row.print(); fflush(nil)
        let http = phaseB(directory: directory, port: port, key: keyPair, server: server, sidecar: sidecar)
        if let http {
            rows.append(http.row)
            http.row.print(); fflush(nil)
            let ratio = colonies.rate / http.rate
            let row = ResultRow(
                Self.name, "ratio ColonyOS / HTTP (same run, same sidecar and bee)", ops: count, median: ratio, min: ratio, max: ratio,
                unit: "×", extra: "HTTP is \(Format.number(1 / ratio))× the ColonyOS rate")
            row.print(); fflush(nil)
            rows.append(row)
        }
        // With a baseline binary: phase B on fresh sidecars without a `colonies` section, this build
        // and the baseline alternating, three rounds each, so neither has a head start.
        var baselineCPU: [String] = []
        if let path = getenv("BEEKEEPER_BENCH_BASELINE_SIDECAR").map({ String(cString: $0) }), http != nil {
            var rates: [String: [Double]] = [:]
            for round in 1...3 {
                for (label, binary) in [("this build", sidecarBinary), ("baseline", path)] {
                    guard let outcome = freshPhaseB(label: "\(label), round \(round)", binary: binary, python: python, directory: directory, key: keyPair, server: server)
                    else { continue }
                    rates[label, default: []].append(outcome.rate)
                    baselineCPU.append(outcome.cpu)
                }
            }
            if let mine = rates["this build"], let theirs = rates["baseline"], mine.count == 3, theirs.count == 3 {
                for (label, values) in [("this build", mine), ("baseline \(path)", theirs)] {
                    let summary = Summary(values)
                    let row = ResultRow(
                        Self.name, "B, fresh sidecar without colonies: \(label)", ops: count, summary: summary, unit: "tasks/s",
                        extra: "3 rounds, alternating with the other binary")
                    row.print(); fflush(nil)
                    rows.append(row)
                }
                let ratio = Summary(mine).median / Summary(theirs).median
                let row = ResultRow(
                    Self.name, "ratio HTTP this build / baseline (medians, same run)", ops: count, median: ratio, min: ratio, max: ratio,
                    unit: "×", extra: "")
                row.print(); fflush(nil)
                rows.append(row)
            }
        }
        for line in [colonies.cpu, http?.cpu].compactMap({ $0 }) + baselineCPU { say(line) }

        let metrics = LocalHTTP.get(port: port, path: "/metrics")?.body ?? ""
        let lost = LocalHTTP.sample(metrics, #"beekeeper_colonies_reports_total{result="lost"}"#) ?? 0
        let status = sidecar.stop(signal: SIGTERM, timeout: 60)
        sidecarStopped = true
        say("colonies: sidecar stopped by SIGTERM: \(status.map { $0 == 0 ? "exit 0" : "status \($0)" } ?? "killed after 60 s"); reports lost: \(Int(lost))")
        return rows
    }

    // MARK: Phase A: ColonyOS

    struct Outcome {
        var row: ResultRow
        var rate: Double
        var cpu: String
    }

    private func phaseA(python: String, tools: String, directory: String, port: Int, server: ColoniesServer, sidecar: ChildProcess) -> Outcome? {
        let script = directory + "/colonies_load.py"
        Self.writeFile(ColoniesScripts.loadDriver, to: script)
        let threads = 8
        guard let driver = ChildProcess(
            [
                python, script, "--tools", tools, "--setup", directory + "/setup.json", "--count", String(count), "--threads", String(threads),
                "--metrics", "http://127.0.0.1:\(port)/metrics", "--audit", directory + "/data/audit",
            ], logPath: directory + "/driver.log", pipeStdout: true, pipeStdin: true)
        else { return nil }
        defer { if driver.isRunning { driver.stop(signal: SIGKILL) } }
        guard let ready = driver.readLine(timeout: 600), ready.hasPrefix("ready") else {
            say("colonies: the load driver did not get ready: \(driver.log)")
            return nil
        }
        say("colonies: phase A driver \(ready)")
        let before = CPUSample(server: server, sidecar: sidecar, client: driver.pid)
        let wallStart = Nanoseconds.now()
        driver.writeLine("go")
        guard driver.readLine(timeout: 1800) == "done" else {
            say("colonies: the load driver did not finish: \(driver.log)")
            return nil
        }
        let wall = Double(Nanoseconds.now() - wallStart) / 1e9
        let cpu = CPUSample(server: server, sidecar: sidecar, client: driver.pid) - before
        guard let line = driver.readLine(timeout: 300), let result = try? JSONValue.parse(line) else {
            say("colonies: no result from the load driver: \(driver.log)")
            return nil
        }
        _ = driver.wait()
        let submitted = result["submitted"]?.intValue ?? 0
        let seconds = result["seconds"]?.doubleValue ?? .nan
        let rate = Double(submitted) / seconds
        let errors = result["errors"]?.intValue ?? 0
        func milliseconds(_ key: String, _ index: Int) -> String {
            result[key]?[index]?.doubleValue.map { Format.number($0 * 1000) } ?? "n/a"
        }
        var extra = "submit → acknowledged p50 \(milliseconds("end_to_end", 0)) ms, p99 \(milliseconds("end_to_end", 1)) ms"
        extra += "; in Beekeeper (assigned → acknowledged) p50 \(milliseconds("in_beekeeper", 0)) ms, p99 \(milliseconds("in_beekeeper", 1)) ms"
        if let submitSeconds = result["submit_seconds"]?.doubleValue {
            extra += "; submitting alone \(Format.number(Double(submitted) / submitSeconds))/s"
        }
        if errors > 0 { extra += "; \(errors) submits refused: \(result["first_error"]?.stringValue ?? "")" }
        let acknowledged = result["acknowledged"]?.intValue ?? 0
        if acknowledged < submitted { extra += "; only \(acknowledged) acknowledged" }
        let row = ResultRow(
            Self.name, "A: ColonyOS (\(server.label)), \(threads) submitting threads", ops: submitted, median: rate, min: rate, max: rate,
            unit: "processes/s", extra: extra)
        return Outcome(row: row, rate: rate, cpu: cpu.describe(phase: "A (ColonyOS)", wall: wall, operations: submitted, server: server.label, client: "load driver"))
    }

    // MARK: Phase B: POST /v1/tasks

    private func phaseB(directory: String, port: Int, key: Ed25519.KeyPair, server: ColoniesServer, sidecar: ChildProcess) -> Outcome? {
        guard SignedTaskLoad.wrk != nil else {
            say("colonies: phase B skipped, wrk is not installed (apt-get install wrk)")
            return nil
        }
        let load = SignedTaskLoad(count: count, connections: Self.connections)
        load.prepare(directory: directory, key: key)
        let childrenBefore = Self.childrenCPUSeconds()
        let before = CPUSample(server: server, sidecar: sidecar, client: nil)
        let wallStart = Nanoseconds.now()
        let result = load.run(directory: directory, port: port)
        let wall = Double(Nanoseconds.now() - wallStart) / 1e9
        var cpu = CPUSample(server: server, sidecar: sidecar, client: nil) - before
        cpu.client = Self.childrenCPUSeconds() - childrenBefore
        guard let result else { return nil }
        var extra = "latency \(result.latencyText) (wrk, \(load.connections) connections, \(load.threads) threads)"
        if let failures = result.failureText { extra += "; " + failures }
        let row = ResultRow(
            Self.name, "B: POST /v1/tasks (signed, wrk)", ops: Int(result.requests), median: result.rate, min: result.rate, max: result.rate,
            unit: "tasks/s", extra: extra)
        return Outcome(
            row: row, rate: result.rate,
            cpu: cpu.describe(phase: "B (HTTP)", wall: wall, operations: Int(result.requests), server: server.label, client: "wrk"))
    }

    // MARK: The sidecar

    /// - Parameter colony: nil starts the sidecar without a `colonies` section (a baseline binary
    ///   from before executor mode), ready once `/readyz` answers 200.
    static func startSidecar(binary: String, python: String, directory: String, port: Int, colony: String?, server: String, key: Ed25519.KeyPair) -> ChildProcess? {
        let bee = directory + "/echo_worker.py"
        Self.writeFile(ColoniesScripts.echoWorker, to: bee)
        let config = BenchSidecar.configHead(directory: directory, port: port, publicKeyHex: key.publicKey.hex) + """
            bees:
              - name: echo
                funcnames: [echo]
                kind: worker
                command: [\(python), \(bee)]
                concurrency: \(Self.beeConcurrency)
                timeout: 60s
                max_queue: 1000
            \(colony.map { Self.coloniesSection(colony: $0, server: server, directory: directory) } ?? "")

            """
        return BenchSidecar.start(binary: binary, config: config, directory: directory, port: port, label: "colonies") { body in
            colony == nil || (try? JSONValue.parse(body))?["colonies"]?["up"] == true
        }
    }

    private static func coloniesSection(colony: String, server: String, directory: String) -> String {
        """
        colonies:
          server: \(server)
          colony: \(colony)
          executor_name: beekeeper-bench
          executor_type: beekeeper-bench
          executor_key_file: \(directory)/executor.key
          colony_key_file: null
          assign_timeout: 2s
          concurrency: \(Self.beeConcurrency)
          keepalive_interval: 2s
        """
    }

    /// Phase B on a fresh sidecar of `binary` without a `colonies` section (so a baseline binary
    /// from before executor mode starts too), with the same bee and the same load.
    private func freshPhaseB(label: String, binary: String, python: String, directory: String, key: Ed25519.KeyPair, server: ColoniesServer) -> Outcome? {
        let freshDirectory = directory + "/fresh-" + Hex.encode(Sodium.randomBytes(4))
        mkdir(freshDirectory, 0o755)
        let port = LocalPort.free()
        guard let sidecar = Self.startSidecar(binary: binary, python: python, directory: freshDirectory, port: port, colony: nil, server: server.url, key: key)
        else { return nil }
        defer { _ = sidecar.stop(signal: SIGTERM, timeout: 60) }
        guard var outcome = phaseB(directory: freshDirectory, port: port, key: key, server: server, sidecar: sidecar) else { return nil }
        outcome.cpu = label + ": " + outcome.cpu
        return outcome
    }

    // MARK: Helpers

    /// CPU seconds of everything taking part, read from /proc at the start and end of a phase.
    struct CPUSample {
        var server: Double
        var sidecar: Double
        var bees: Double
        var client: Double

        init(server: ColoniesServer, sidecar: ChildProcess, client: pid_t?) {
            self.server = server.cpuSeconds
            self.sidecar = ProcessCPU.seconds(sidecar.pid)
            self.bees = ProcessCPU.children(sidecar.pid).map { ProcessCPU.treeSeconds($0) }.reduce(0, +)
            self.client = client.map { ProcessCPU.seconds($0) } ?? 0
        }

        static func - (after: CPUSample, before: CPUSample) -> CPUSample {
            var difference = after
            difference.server -= before.server
            difference.sidecar -= before.sidecar
            difference.bees -= before.bees
            difference.client -= before.client
            return difference
        }

        func describe(phase: String, wall: Double, operations: Int, server label: String, client name: String) -> String {
            func part(_ name: String, _ seconds: Double) -> String {
                "\(name) \(Format.number(seconds)) s (\(Format.number(seconds / wall * 100)) % of a core, \(Format.number(seconds / Double(max(operations, 1)) * 1000)) ms/op)"
            }
            let total = server + sidecar + bees + client
            return "CPU in phase \(phase), \(Format.number(wall)) s wall, \(operations) ops: " + [
                part(label, server), part("sidecar", sidecar), part("bees", bees), part(name, client),
            ].joined(separator: "; ") + "; all \(Format.number(total)) s = \(Format.number(total / wall)) of \(Machine.processors) cores; load \(Machine.loadAverage)"
        }
    }

    static func childrenCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func writeFile(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "colonies: cannot write \(path)")
        let bytes = Array(text.utf8)
        precondition(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count, "colonies: short write to \(path)")
        close(fd)
    }

    /// The directory of this executable (the sidecar is built beside it).
    static func executableDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return ".build/release" }
        let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    }

    /// The ColonyOS test tools: `BEEKEEPER_BENCH_COLONIES_TOOLS`, else found above the executable
    /// (`<package>/.build/release/…`), else under the current directory.
    static func toolsDirectory() -> String? {
        let relative = "/Tests/BeekeeperIntegrationTests/Tools"
        var candidates: [String] = []
        if let text = getenv("BEEKEEPER_BENCH_COLONIES_TOOLS") { candidates.append(String(cString: text)) }
        var directory = executableDirectory()
        while directory.count > 1 {
            candidates.append(directory + relative)
            directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
        }
        candidates.append("." + relative)
        return candidates.first { access($0 + "/colonies_rpc.py", R_OK) == 0 }
    }

    /// The absolute path of `python3` on PATH (the one with pycolonies), for the bee's command.
    static func python() -> String {
        guard let pipe = popen("python3 -c 'import sys; print(sys.executable)' 2>/dev/null", "r") else { return "python3" }
        defer { pclose(pipe) }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard fgets(&buffer, Int32(buffer.count), pipe) != nil else { return "python3" }
        let path = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).trimmingSpaces()
        return path.isEmpty ? "python3" : path
    }
}

/// The Colonies server of the `colonies` benchmark: the stand-in started here, or a real one
/// named by `BEEKEEPER_BENCH_COLONIES_URL` and `BEEKEEPER_BENCH_COLONIES_SERVER_PRVKEY` (its
/// process ids, for the CPU figures, in `BEEKEEPER_BENCH_COLONIES_PIDS`: each id counts with its
/// descendants, e.g. the server and the PostgreSQL postmaster).
struct ColoniesServer {
    let url: String
    let key: String
    let label: String
    let standIn: ChildProcess?
    let pids: [pid_t]

    var cpuSeconds: Double { pids.map { ProcessCPU.treeSeconds($0) }.reduce(0, +) }

    static func start(python: String, tools: String, directory: String) -> ColoniesServer? {
        if let url = getenv("BEEKEEPER_BENCH_COLONIES_URL"), let key = getenv("BEEKEEPER_BENCH_COLONIES_SERVER_PRVKEY") {
            let pids = getenv("BEEKEEPER_BENCH_COLONIES_PIDS").map { String(cString: $0).split(separator: " ").compactMap { pid_t($0) } } ?? []
            return ColoniesServer(url: String(cString: url), key: String(cString: key), label: "Colonies server", standIn: nil, pids: pids)
        }
        let made = ChildProcess.run(
            [python, "-c", "import sys; sys.path.insert(0, sys.argv[1]); from colonies_rpc import new_key; print(*new_key())", tools],
            logPath: directory + "/key.log")
        let parts = made.output.split(separator: " ").map { $0.trimmingSpaces() }
        guard made.status == 0, parts.count == 2 else {
            say("colonies: cannot make a server key (is pycolonies installed?): \(Machine.readFile(directory + "/key.log") ?? "")")
            return nil
        }
        guard let standIn = ChildProcess(
            [python, tools + "/colonies_standin.py", "--port", "0", "--server-id", parts[1], "--state", directory + "/standin-state.json"],
            logPath: directory + "/standin.log", pipeStdout: true)
        else { return nil }
        let prefix = "colonies-standin listening on "
        guard let line = standIn.readLine(timeout: 60), line.hasPrefix(prefix), let port = line.split(separator: ":").last.flatMap({ Int($0) }) else {
            say("colonies: the stand-in did not start: \(standIn.log)")
            standIn.stop(signal: SIGKILL)
            return nil
        }
        return ColoniesServer(url: "http://127.0.0.1:\(port)", key: parts[0], label: "stand-in", standIn: standIn, pids: [standIn.pid])
    }

    func stop() {
        standIn?.stop(signal: SIGTERM, timeout: 5)
    }
}
