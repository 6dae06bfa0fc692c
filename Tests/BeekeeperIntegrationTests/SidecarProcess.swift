import BeekeeperAuth
import BeekeeperCore
import Curl
import Foundation
import Sodium
import Testing

/// A real `beekeeper serve` process in a scratch directory, with a signing key of its own, driven
/// over HTTP. The binary comes from `swift build` (or BEEKEEPER_TEST_BINARY).
final class SidecarProcess: @unchecked Sendable {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let testBee = packageRoot + "/Tests/BeekeeperIntegrationTests/Bees/test_bee.py"
    static let financeBee = packageRoot + "/deploy/examples/bees/finance_bee.py"

    /// The interpreter itself, not a version-manager shim: shims cost a second under load.
    static let python: String = {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import sys; print(sys.executable)"]
        let pipe = Pipe()
        probe.standardOutput = pipe
        guard (try? probe.run()) != nil else { return "python3" }
        let path = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        probe.waitUntilExit()
        return path.isEmpty ? "python3" : path
    }()

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["BEEKEEPER_TEST_BINARY"] { return path }
        return packageRoot + "/.build/debug/beekeeper"
    }

    let directory: String
    let keyPair: Ed25519.KeyPair
    let keyName = "ops"
    let process = Process()
    private(set) var port = 0
    /// Which start of this directory this is (0 first); each start logs to its own file.
    private(set) var generation = 0
    /// Set when a restarted sidecar took the directory over, so this one's deinit keeps it.
    var keepsDirectory = false
    var logPath: String { directory + "/sidecar-\(generation).log" }
    var dataDir: String { directory + "/data" }
    var auditDir: String { dataDir + "/audit" }

    /// The standard test configuration: a process bee with every test behaviour and the sample
    /// Finance Bee as a worker. `extra` is appended YAML (top-level keys not already used).
    /// `echoWorker` moves `echo` to a worker bee (the binary's own `demo-bee`), for latency
    /// figures that are the sidecar's rather than a Python start per task.
    static func standardConfig(
        keyHex: String, dataDir: String, guardian: String = "", auditFsync: String = "batch", extra: String = "", echoWorker: Bool = false
    ) -> String {
        let testerFuncnames = echoWorker ? "fail, flaky, sleep, slow" : "echo, fail, flaky, sleep, slow"
        let echoBee = !echoWorker ? "" : """

              - name: demo
                funcnames: [echo]
                kind: worker
                command: [\(binary), demo-bee]
                concurrency: 2
                timeout: 3s
            """
        return """
        data_dir: \(dataDir)
        listen: 127.0.0.1:0
        auth:
          keys: {ops: \(keyHex)}
          clock_skew: 60s
        audit:
          fsync: \(auditFsync)
        bees:
          - name: tester
            funcnames: [\(testerFuncnames)]
            kind: process
            command: [\(python), \(testBee)]
            concurrency: 4
            timeout: 3s
            retries: {max: 3, initial_backoff: 50ms, max_backoff: 200ms}
            max_queue: 100
          - name: queue
            funcnames: [queued]
            kind: process
            command: [\(python), \(testBee)]
            concurrency: 1
            timeout: 10s
            max_queue: 1
          - name: finance
            funcnames: [validate_revenue]
            kind: worker
            command: [\(python), \(financeBee)]
            concurrency: 2
            timeout: 5s\(echoBee)
        guardian:
          max_payload_bytes: 64KiB
          rules:
            validate_revenue:
              - {field: args.0.data.object.metadata.userId, check: uuid}
              - {field: args.0.data.object.metadata.tier, check: one_of, values: [bronze, silver, gold]}
        \(guardian)
        \(extra)
        """
    }

    /// Starts a sidecar. With `restarting`, it reuses that sidecar's directory, key and
    /// configuration (the previous process must be gone): the way to test what survives a crash.
    init(
        config: ((_ keyHex: String, _ dataDir: String) -> String)? = nil, environment: [String: String] = [:],
        restarting previous: SidecarProcess? = nil, arguments: [String] = []
    ) async throws {
        let configPath: String
        if let previous {
            precondition(!previous.process.isRunning, "stop the previous sidecar first")
            directory = previous.directory
            keyPair = previous.keyPair
            previous.keepsDirectory = true
            configPath = directory + "/beekeeper.yaml"
            generation = previous.generation + 1
        } else {
            directory = NSTemporaryDirectory() + "beekeeper-it-" + UUID().uuidString.prefix(8).lowercased()
            keyPair = Ed25519.KeyPair.generate()
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let yaml = config?(keyPair.publicKey.hex, directory + "/data") ?? SidecarProcess.standardConfig(keyHex: keyPair.publicKey.hex, dataDir: directory + "/data")
            configPath = directory + "/beekeeper.yaml"
            try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        }
        guard FileManager.default.isExecutableFile(atPath: SidecarProcess.binary) else {
            throw HarnessError("no beekeeper binary at \(SidecarProcess.binary): run `swift build` first (or set BEEKEEPER_TEST_BINARY)")
        }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: SidecarProcess.binary)
        process.arguments = ["serve", "--config", configPath] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") }
        env["BEEKEEPER_LOG_LEVEL"] = "debug"
        env.merge(environment) { $1 }
        process.environment = env
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        port = try await waitForPort()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        if !keepsDirectory, ProcessInfo.processInfo.environment["BEEKEEPER_TEST_KEEP_DIRS"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    private func waitForPort() async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let text = log
            // `address=…` in text logs, `"address":"…"` in JSON ones.
            if let range = text.range(of: #"address(=|":")127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let match = text[range]
                if let port = Int(match.split(separator: ":").last ?? "") { return port }
            }
            if !process.isRunning { throw HarnessError("sidecar exited with \(process.terminationStatus) before listening:\n\(text)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("sidecar did not start listening within 60s:\n\(log)")
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    // MARK: Requests

    func signedHeaders(path: String, body: [UInt8], timestamp: Int64? = nil, nonce: String? = nil) -> [(String, String)] {
        let ts = timestamp ?? Int64(Date().timeIntervalSince1970)
        let headers: [(name: String, value: String)]
        if let nonce {
            headers = SignedRequest.headers(method: "POST", path: path, body: body, keyName: keyName, keyPair: keyPair, timestamp: ts, nonce: nonce)
        } else {
            headers = SignedRequest.headers(method: "POST", path: path, body: body, keyName: keyName, keyPair: keyPair, timestamp: ts)
        }
        return headers.map { ($0.name, $0.value) } + [("Content-Type", "application/json")]
    }

    func post(_ path: String, body: [UInt8], headers: [(String, String)]? = nil) async throws -> HTTPClientResponse {
        let request = HTTPClientRequest(
            method: "POST", url: baseURL + path, headers: headers ?? signedHeaders(path: path, body: body), body: body,
            timeout: .seconds(60))
        return try await Curl.execute(request)
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> HTTPClientResponse {
        try await Curl.execute(HTTPClientRequest(method: "GET", url: baseURL + path, headers: headers, timeout: .seconds(30)))
    }

    struct TaskAnswer {
        var status: Int
        var body: JSONValue
        var response: HTTPClientResponse
    }

    func submit(_ task: JSONValue) async throws -> TaskAnswer {
        let response = try await post("/v1/tasks", body: task.bytes)
        return TaskAnswer(status: response.status, body: try JSONValue.parse(response.body), response: response)
    }

    // MARK: Shutdown and inspection

    /// Sends SIGTERM and waits for the exit status.
    func terminate(timeout: Duration = .seconds(60)) async throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw HarnessError("sidecar ignored SIGTERM for \(timeout):\n\(log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// kill -9: no drain, no flush, no `sidecar.stopped`. Waits until the process is gone.
    func kill9() async throws {
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
    }

    /// Every audit record in the data directory's plain segments, in seq order.
    func auditRecords() throws -> [JSONValue] {
        let names = try FileManager.default.contentsOfDirectory(atPath: auditDir).filter { $0.hasPrefix("audit-") && $0.hasSuffix(".jsonl") }.sorted()
        var records: [JSONValue] = []
        for name in names {
            let data = try Data(contentsOf: URL(fileURLWithPath: auditDir + "/" + name))
            for line in data.split(separator: UInt8(ascii: "\n")) { records.append(try JSONValue.parse(line)) }
        }
        return records
    }

    func auditRecords(task id: String) throws -> [JSONValue] {
        try auditRecords().filter { $0["task_id"]?.stringValue == id }
    }

    func rawAudit() throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: auditDir).filter { $0.hasSuffix(".jsonl") }.sorted()
        return try names.map { try String(contentsOfFile: auditDir + "/" + $0, encoding: .utf8) }.joined()
    }

    /// Polls until `condition` holds on the audit log (records are durable before they are visible).
    func waitForAudit(timeout: Duration = .seconds(20), _ condition: ([JSONValue]) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition((try? auditRecords()) ?? []) { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw HarnessError("audit condition not met within \(timeout)")
    }

    /// Runs the `beekeeper` CLI against this sidecar's data; returns exit status and output.
    func cli(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") }
        let result = try Program.run(SidecarProcess.binary, arguments, directory: directory, environment: env)
        return (result.status, result.output)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// True when no process with `pid` is alive (a zombie awaiting a reaper counts as gone).
func processIsGone(_ pid: Int32) -> Bool {
    if kill(pid, 0) != 0 { return errno == ESRCH }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return true }
    return stat[stat.index(close, offsetBy: 2)] == "Z"
}

/// Integration tests need python3 and the built binary; in CI their absence is a failure, never a skip.
enum Requirements {
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    static func which(_ tool: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
