import BeekeeperCore
import Curl
import Foundation
import Testing

/// `beekeeper serve` with no configuration file, in an empty data directory, driven only by the
/// lines it prints: the acceptance test of issue 11's first run.
@Suite("First run: serve with no configuration file", .serialized)
struct FirstRunTests {
    /// A sidecar started with no file; `BEEKEEPER_DATA_DIR` and `BEEKEEPER_LISTEN` are its only
    /// settings (the default `./beekeeper-data` and port 9477 belong to the user). Every client
    /// command runs in the same directory and environment, as a user's second terminal would.
    final class FirstRunSidecar {
        let directory: String
        /// False for a restart in the directory of an earlier one, which removes it.
        let ownsDirectory: Bool
        let process = Process()
        let port: Int
        var dataDir: String { directory + "/data" }
        var outputPath: String { directory + "/serve.out" }
        var logPath: String { directory + "/serve.log" }
        let environment: [String: String]

        init(restarting previous: FirstRunSidecar? = nil, arguments: [String] = []) throws {
            directory = previous?.directory ?? NSTemporaryDirectory() + "beekeeper-first-" + UUID().uuidString.prefix(8).lowercased()
            ownsDirectory = previous == nil
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            port = try ShipperHarness.freePort()
            var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") }
            env["BEEKEEPER_DATA_DIR"] = directory + "/data"
            env["BEEKEEPER_LISTEN"] = "127.0.0.1:\(port)"
            environment = env
            _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            process.executableURL = URL(fileURLWithPath: SidecarProcess.binary)
            process.arguments = ["serve"] + arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.environment = env
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            try process.run()
        }

        deinit {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
        }

        var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        /// The indented command lines of the welcome, once it is printed (the sidecar then listens).
        func printedCommands() async throws -> [String] {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let text = output
                if text.contains("The first succeeds") {
                    return text.split(separator: "\n").filter { $0.hasPrefix("    ") }.map { $0.trimmingCharacters(in: .whitespaces) }
                }
                if !process.isRunning { throw HarnessError("serve exited with \(process.terminationStatus):\n\(text)\n\(log)") }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw HarnessError("serve printed no commands within 60s:\n\(output)\n\(log)")
        }

        /// A printed line, run by a POSIX shell exactly as printed.
        func shell(_ line: String) throws -> Program.Result {
            try Program.run("/bin/sh", ["-c", line], directory: directory, environment: environment)
        }

        /// The binary with these arguments and no flag that names the server, key or data.
        func cli(_ arguments: [String]) throws -> Program.Result {
            try Program.run(SidecarProcess.binary, arguments, directory: directory, environment: environment)
        }

        func get(_ path: String) async throws -> String {
            let response = try await Curl.execute(HTTPClientRequest(method: "GET", url: "http://127.0.0.1:\(port)\(path)", headers: [], timeout: .seconds(30)))
            return String(decoding: response.body, as: UTF8.self)
        }

        func terminate() async throws -> Int32 {
            kill(process.processIdentifier, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(60)
            while process.isRunning {
                guard ContinuousClock.now < deadline else { throw HarnessError("serve ignored SIGTERM:\n\(log)") }
                try await Task.sleep(for: .milliseconds(20))
            }
            return process.terminationStatus
        }
    }

    @Test("the printed submit lines run: echo succeeds, run_query with SQL injection is blocked; stats and audit query show both")
    func printedLinesWork() async throws {
        let sidecar = try FirstRunSidecar()
        let commands = try await sidecar.printedCommands()
        let submits = commands.filter { $0.contains(" submit ") }
        try #require(submits.count == 2, "\(sidecar.output)")
        #expect(commands.contains { $0.hasSuffix(" stats") } && commands.contains { $0.hasSuffix(" audit query") }, "\(commands)")

        // The local key: created on first start, owner-only, trusted with no file edited.
        let keyPath = sidecar.dataDir + "/keys/local.key"
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let echo = try sidecar.shell(submits[0])
        #expect(echo.status == 0, "\(echo.output)\n\(sidecar.log)")
        let echoed = try JSONValue.parse(echo.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(echoed["outcome"] == "succeeded", "\(echo.stdout)")
        #expect(echoed["result"] == ["hello"], "\(echo.stdout)")

        let blocked = try sidecar.shell(submits[1])
        #expect(blocked.status == 1, "\(blocked.output)")
        let refusal = try JSONValue.parse(blocked.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(refusal["outcome"] == "blocked", "\(blocked.stdout)")
        #expect(refusal["reason"] == "pattern:sql_injection", "\(blocked.stdout)")
        #expect(blocked.stderr.contains("HTTP 422"), "\(blocked.stderr)")

        // The same sidecar answers `run_query` with a harmless query: it is the argument that was refused.
        let harmless = try sidecar.cli(["submit", "run_query", "--args", #"["SELECT name FROM users WHERE id = 1"]"#])
        #expect(harmless.status == 0, "\(harmless.output)")

        let stats = try sidecar.shell(commands.first { $0.hasSuffix(" stats") }!)
        #expect(stats.status == 0, "\(stats.output)")
        let guardianRows = stats.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(guardianRows.contains(["approved", "2"]), "\(stats.stdout)")
        #expect(guardianRows.contains(["blocked", "pattern:sql_injection", "1"]), "\(stats.stdout)")
        #expect(guardianRows.contains { $0.first == "demo" && $0.contains("echo") }, "\(stats.stdout)")

        // One record a line in either output format (a table, or JSONL off a terminal).
        let audit = try sidecar.shell(commands.first { $0.hasSuffix(" audit query") }!)
        #expect(audit.status == 0, "\(audit.output)")
        let lines = audit.stdout.split(separator: "\n")
        #expect(lines.contains { $0.contains("task.succeeded") && $0.contains("echo") }, "\(audit.stdout)")
        #expect(lines.contains { $0.contains("task.blocked") && $0.contains("run_query") && $0.contains("pattern:sql_injection") }, "\(audit.stdout)")

        #expect(try await sidecar.terminate() == 0)
        // The audit chain the demo wrote is intact.
        let verified = try sidecar.cli(["audit", "verify"])
        #expect(verified.status == 0, "\(verified.output)")
    }

    @Test("a second start keeps the local key and serves again; no backup database is invented")
    func restartKeepsKey() async throws {
        let first = try FirstRunSidecar()
        _ = try await first.printedCommands()
        let key = try String(contentsOfFile: first.dataDir + "/keys/local.key", encoding: .utf8)
        let scrape = try await first.get("/metrics")
        #expect(scrape.contains(#"beekeeper_tasks_in_flight{bee="demo"}"#), "\(scrape)")
        #expect(!scrape.contains("beekeeper_backup_runs_total{"), "a backup series for a database nobody configured")
        let ready = try await first.get("/readyz")
        #expect(!ready.contains("backup"), "\(ready)")
        #expect(try await first.terminate() == 0)

        let second = try FirstRunSidecar(restarting: first)
        let commands = try await second.printedCommands()
        #expect(try String(contentsOfFile: first.dataDir + "/keys/local.key", encoding: .utf8) == key)
        let echo = try second.shell(commands.first { $0.contains(" submit echo ") }!)
        #expect(echo.status == 0, "\(echo.output)\n\(second.log)")
        #expect(try await second.terminate() == 0)
    }

    @Test("config check with no file prints the defaults as YAML that passes config check as a file")
    func defaultsReadBack() async throws {
        let sidecar = try FirstRunSidecar()
        _ = try await sidecar.printedCommands()  // the local key now exists
        let check = try sidecar.cli(["config", "check"])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.stdout.contains("built-in defaults"))
        #expect(check.stdout.contains("name: demo") && check.stdout.contains("databases: []"), "\(check.stdout)")
        let file = sidecar.directory + "/defaults.yaml"
        try check.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let again = try sidecar.cli(["config", "check", "--config", file])
        #expect(again.status == 0, "\(again.output)")
        // Equal apart from the comment naming the source.
        let body = { (text: String) in text.split(separator: "\n").filter { !$0.hasPrefix("#") } }
        #expect(body(again.stdout) == body(check.stdout))
        #expect(try await sidecar.terminate() == 0)
    }

    @Test("serve --listen elsewhere (port 0 here): the printed lines name the server, and run as printed")
    func listenFlag() async throws {
        let sidecar = try FirstRunSidecar(arguments: ["--listen", "127.0.0.1:0"])
        let commands = try await sidecar.printedCommands()
        let echo = try #require(commands.first { $0.contains(" submit echo ") })
        #expect(echo.contains("--server http://127.0.0.1:") && !echo.contains(":\(sidecar.port)"), "\(echo)")
        let result = try sidecar.shell(echo)
        #expect(result.status == 0, "\(result.output)")
        #expect(try await sidecar.terminate() == 0)

        let bad = try sidecar.cli(["serve", "--listen", "nowhere"])
        #expect(bad.status == 2 && bad.stderr.contains("--listen: invalid address"), "\(bad.output)")
    }

    @Test("a configuration file replaces the demo bee and the local key")
    func fileDisablesDemo() async throws {
        let scratch = NSTemporaryDirectory() + "beekeeper-first-file-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let port = try ShipperHarness.freePort()
        try "data_dir: \(scratch)/data\nlisten: 127.0.0.1:\(port)\n".write(toFile: scratch + "/beekeeper.yaml", atomically: true, encoding: .utf8)
        let sidecar = try FirstRunSidecar(arguments: ["--config", scratch + "/beekeeper.yaml"])
        let deadline = ContinuousClock.now + .seconds(60)
        while !sidecar.log.contains("beekeeper listening"), ContinuousClock.now < deadline {
            #expect(sidecar.process.isRunning, "\(sidecar.log)")
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(sidecar.log.contains("beekeeper listening"), "\(sidecar.log)")
        #expect(!sidecar.output.contains("submit"), "\(sidecar.output)")
        #expect(!FileManager.default.fileExists(atPath: scratch + "/data/keys/local.key"))
        let submit = try sidecar.cli(["submit", "echo", "--config", scratch + "/beekeeper.yaml", "--args", "[1]"])
        #expect(submit.status == 2, "\(submit.output)")
        #expect(submit.stderr.contains("ops.key"), "\(submit.stderr)")
        #expect(try await sidecar.terminate() == 0)
    }
}
