#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BeekeeperAuth
import BeekeeperCore
import Curl
import Sodium

/// `hostile` (issue 13): the release `beekeeper serve` with an echo worker bee, and a legitimate
/// signed client (sequential `POST /v1/tasks`, a new connection each, 20 ms apart, as the
/// integration test's) that runs first alone (the baseline) and then beside each attack of
/// `Tests/BeekeeperIntegrationTests/Tools/hostile_clients.py`, all in one run against one sidecar.
/// Each phase lasts at least `phaseSeconds` (an attack that ends sooner is run again), and reports
/// the legitimate client's success, p50 and p99, and the sidecar's CPU. At the end every task the
/// client saw acknowledged is looked up in the audit log (nothing acknowledged may be lost).
struct HostileBenchmark {
    static let name = "hostile"
    let context: BenchContext

    /// Seconds of legitimate traffic per phase: 10 (3 with `--quick`), or `BEEKEEPER_BENCH_HOSTILE_SECONDS`.
    var phaseSeconds: Double {
        if let text = getenv("BEEKEEPER_BENCH_HOSTILE_SECONDS"), let value = Double(String(cString: text)), value > 0 { return value }
        return context.quick ? 3 : 10
    }

    /// The attacks, as hostile_clients.py arguments after its port (and PID where it takes one).
    /// KEY is filled in with the sidecar's key name.
    static let attacks: [(label: String, arguments: [String], takesPID: Bool)] = [
        ("1,000 oversized headers (300 KiB), never closed by the client", ["headers", "1000", "307200", "1.5"], true),
        ("1 GiB body after the 413 (Content-Length)", ["oversize", "length", "KEY"], true),
        ("never-ending chunked body after the 413", ["oversize", "chunked", "KEY"], true),
        ("1,000 stalled 1 MiB uploads, unknown key", ["stalled", "1000", "-", "3"], true),
        ("1,000 stalled 1 MiB uploads, known key, bad signature", ["stalled", "1000", "KEY", "3"], true),
        ("2,000 idle + 500 slowloris + 100 slow bodies", ["shed", "2000", "500", "100", "KEY", "30"], true),
        ("10,000-request unauthenticated flood", ["flood", "10000"], false),
    ]

    struct Phase {
        var latencies: [Double] = []
        var attempts = 0
        var acknowledged: [String] = []
        var attackRuns = 0
        var attackResult = ""
        var sidecarCPU = 0.0
        var wall = 0.0

        var succeeded: Int { latencies.count }
    }

    func run() -> [ResultRow] {
        guard let tools = ColoniesBenchmark.toolsDirectory() else {
            say("hostile: skipped, Tests/BeekeeperIntegrationTests/Tools not found (run from the package directory)")
            return []
        }
        let binary = ColoniesBenchmark.executableDirectory() + "/beekeeper"
        guard access(binary, X_OK) == 0 else {
            say("hostile: skipped, no \(binary): swift build -c release --product beekeeper")
            return []
        }
        let python = ColoniesBenchmark.python()
        let directory = context.makeDirectory("hostile")
        defer { if getenv("BEEKEEPER_BENCH_KEEP") == nil { context.remove(directory) } }
        let key = Ed25519.KeyPair.generate()
        let port = LocalPort.free()
        guard let sidecar = startSidecar(binary: binary, directory: directory, port: port, key: key) else { return [] }
        var stopped = false
        defer { if !stopped { sidecar.stop(signal: SIGKILL) } }
        say("hostile: sidecar pid \(sidecar.pid) on 127.0.0.1:\(port), echo on a worker bee (demo-bee, 2 workers); "
            + "legitimate client: signed POST /v1/tasks one at a time, 20 ms apart, a new connection each; "
            + "\(Format.number(phaseSeconds)) s per phase")

        let client = LegitimateClient(port: port, key: key)
        var rows: [ResultRow] = []
        var phases: [(String, Phase)] = []
        let baseline = measure(client: client, sidecar: sidecar, attack: nil, tools: tools, python: python, directory: directory)
        phases.append(("no attack (baseline)", baseline))
        for attack in Self.attacks {
            var arguments = [tools + "/hostile_clients.py", attack.arguments[0], String(port)]
            if attack.takesPID { arguments.append(String(sidecar.pid)) }
            arguments += attack.arguments.dropFirst().map { $0 == "KEY" ? "bench" : $0 }
            let phase = measure(client: client, sidecar: sidecar, attack: [python] + arguments, tools: tools, python: python, directory: directory)
            phases.append((attack.label, phase))
        }
        let baselineP99 = Self.percentile(baseline.latencies, 0.99)
        for (label, phase) in phases {
            guard !phase.latencies.isEmpty else {
                say("hostile: \(label): the legitimate client got nothing through (\(phase.attempts) attempts)")
                continue
            }
            let summary = Summary(phase.latencies.map { $0 * 1000 })
            let p99 = summary.percentile(0.99) / 1000
            var extra = "p99 **\(Format.number(p99 * 1000)) ms** (\(Format.number(p99 / baselineP99))× baseline); "
            extra += "success \(phase.succeeded)/\(phase.attempts) (\(Format.number(Double(phase.succeeded) / Double(max(phase.attempts, 1)) * 100)) %); "
            extra += "sidecar CPU \(Format.number(phase.sidecarCPU / phase.wall * 100)) % of a core"
            if phase.attackRuns > 0 { extra += "; attack ran \(phase.attackRuns)×, last: `\(phase.attackResult)`" }
            let row = ResultRow(Self.name, "legitimate client, \(label): p50 (min, max)", ops: phase.succeeded, summary: summary, unit: "ms", extra: extra)
            row.print()
            fflush(nil)
            rows.append(row)
        }

        // Nothing acknowledged is lost: every 200 has its durable task.succeeded.
        let acknowledged = phases.flatMap { $0.1.acknowledged }
        let audited = Self.succeededTasks(auditDirectory: directory + "/data/audit")
        let lost = acknowledged.filter { !audited.contains($0) }
        say("hostile: \(acknowledged.count) tasks acknowledged, \(lost.count) of them missing from the audit log\(lost.isEmpty ? "" : ": \(lost.prefix(5))")")
        let status = sidecar.stop(signal: SIGTERM, timeout: 60)
        stopped = true
        say("hostile: sidecar stopped by SIGTERM: \(status.map { $0 == 0 ? "exit 0" : "status \($0)" } ?? "killed after 60 s"); load \(Machine.loadAverage)")
        return rows
    }

    /// One phase: the legitimate client until `phaseSeconds` have passed and the attack (if any,
    /// restarted while time is left) has ended.
    private func measure(client: LegitimateClient, sidecar: ChildProcess, attack: [String]?, tools: String, python: String, directory: String) -> Phase {
        var phase = Phase()
        let cpuBefore = ProcessCPU.seconds(sidecar.pid)
        let start = Nanoseconds.now()
        var elapsed: Double { Double(Nanoseconds.now() - start) / 1e9 }
        var running: ChildProcess? = nil
        func finish(_ child: ChildProcess) {
            var last = ""
            while let line = child.readLine(timeout: 5) { last = line }
            phase.attackResult = last
            _ = child.wait()
        }
        while true {
            if let attack, running == nil, elapsed < phaseSeconds {
                running = ChildProcess(attack, logPath: directory + "/attack.log", pipeStdout: true)
                phase.attackRuns += 1
            }
            client.send(into: &phase)
            usleep(20_000)
            if let child = running, !child.isRunning {
                finish(child)
                running = nil
            }
            if running == nil, elapsed >= phaseSeconds { break }
        }
        phase.wall = elapsed
        phase.sidecarCPU = ProcessCPU.seconds(sidecar.pid) - cpuBefore
        return phase
    }

    private func startSidecar(binary: String, directory: String, port: Int, key: Ed25519.KeyPair) -> ChildProcess? {
        // The limits of the integration tests' attacks, in one configuration (time-outs of 2 s so
        // the shed phase ends within it; the header limit and linger of the header test).
        let config = BenchSidecar.configHead(directory: directory, port: port, publicKeyHex: key.publicKey.hex) + """
            http:
              max_header_bytes: 16KiB
              idle_timeout: 2s
              header_timeout: 2s
              body_timeout: 2s
              body_min_rate: 1KiB
              max_connections: 8192
              max_body_bytes_in_flight: 16MiB
              linger: 500ms
              linger_bytes: 4MiB
              denied_audit_interval: 1s
            guardian:
              max_payload_bytes: 1MiB
            bees:
              - name: demo
                funcnames: [echo]
                kind: worker
                command: [\(binary), demo-bee]
                concurrency: 2
                timeout: 3s

            """
        return BenchSidecar.start(binary: binary, config: config, directory: directory, port: port, label: "hostile")
    }

    static func percentile(_ values: [Double], _ q: Double) -> Double {
        values.isEmpty ? .nan : Summary(values).percentile(q)
    }

    /// Task ids with a `task.succeeded` record in the plain segments of the audit log.
    static func succeededTasks(auditDirectory: String) -> Set<String> {
        var ids: Set<String> = []
        guard let directory = opendir(auditDirectory) else { return ids }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix("audit-"), name.hasSuffix(".jsonl"), let text = Machine.readFile(auditDirectory + "/" + name) else { continue }
            for line in text.split(separator: "\n") where line.contains("\"task.succeeded\"") {
                if let record = try? JSONValue.parse(Array(line.utf8)), let id = record["task_id"]?.stringValue { ids.insert(id) }
            }
        }
        return ids
    }
}

/// The legitimate client: signed echo tasks, each checked for its own result.
private final class LegitimateClient {
    let port: Int
    let key: Ed25519.KeyPair
    let run = Hex.encode(Sodium.randomBytes(4))
    private var sent = 0

    init(port: Int, key: Ed25519.KeyPair) {
        self.port = port
        self.key = key
    }

    func send(into phase: inout HostileBenchmark.Phase) {
        sent += 1
        let n = sent
        let id = "legit-\(run)-\(n)"
        let body = Array(#"{"id":"\#(id)","funcname":"echo","args":[\#(n)]}"#.utf8)
        let headers = SignedRequest.headers(
            method: "POST", path: "/v1/tasks", body: body, keyName: "bench", keyPair: key, timestamp: Int64(time(nil))
        ).map { ($0.name, $0.value) } + [("Content-Type", "application/json")]
        phase.attempts += 1
        let started = Nanoseconds.now()
        let request = HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(port)/v1/tasks", headers: headers, body: body, timeout: .seconds(30))
        guard let response = try? Curl.perform(request) else { return }
        let seconds = Double(Nanoseconds.now() - started) / 1e9
        guard response.status == 200, let answer = try? JSONValue.parse(response.body), answer["result"]?[0]?.intValue == n else { return }
        phase.latencies.append(seconds)
        phase.acknowledged.append(id)
    }
}
