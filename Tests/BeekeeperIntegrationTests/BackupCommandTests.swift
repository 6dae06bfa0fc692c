import BeekeeperAuth
import BeekeeperCore
import Curl
import Foundation
import Postgres
import Testing

/// A database for one suite's tests, dropped when the value goes away. Needs
/// BEEKEEPER_TEST_PG_URL (scripts/start-test-postgres.sh); in CI its absence is a failure.
final class BackupTestDatabase: @unchecked Sendable {
    static let serverURL = ProcessInfo.processInfo.environment["BEEKEEPER_TEST_PG_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var shouldRun: Bool { serverURL != nil || Requirements.isCI }

    let name: String
    let url: String

    init() throws {
        guard let serverURL = Self.serverURL, var components = URLComponents(string: serverURL) else {
            throw HarnessError("BEEKEEPER_TEST_PG_URL is not set (required when CI=true); see scripts/start-test-postgres.sh")
        }
        name = "bk_it_" + UUID().uuidString.prefix(8).lowercased()
        components.path = "/" + name
        url = components.string!
        try PostgresConnection(url: serverURL).execute("CREATE DATABASE \(name)")
        try PostgresConnection(url: url).execute("""
            CREATE TABLE bees (id serial PRIMARY KEY, name text NOT NULL);
            INSERT INTO bees (name) VALUES ('worker'), ('drone ''🐝'''), ('queen');
            CREATE TABLE big AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 20000) g;
            """)
    }

    deinit {
        if let serverURL = Self.serverURL { try? PostgresConnection(url: serverURL).execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    }

    /// The server's URL with an unused port: a database nobody can reach.
    static var unreachableURL: String {
        var components = URLComponents(string: serverURL ?? "postgresql://postgres@127.0.0.1/x")!
        components.port = 1
        components.path = "/nowhere"
        return components.string!
    }
}

/// A directory of stand-in PostgreSQL tools put first in PATH: `pg_dump` that waits before it
/// hands over to the real one, or that never finishes (its pid in `pid`).
struct SlowTools {
    let directory: String
    let pidFile: String

    /// `delay` seconds, then the real pg_dump; with `hang`, writes a header and sleeps instead.
    init(in parent: String, delay: Int = 0, hang: Bool = false) throws {
        directory = parent + "/tools"
        pidFile = directory + "/pid"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let real = Requirements.which("pg_dump") ?? "/usr/bin/pg_dump"
        let work = hang ? "printf -- '--\\n-- PostgreSQL database dump\\n--\\n'\nexec sleep 20" : "sleep \(delay)\nexec '\(real)' \"$@\""
        let script = "#!/bin/sh\n[ \"$1\" = --version ] && exec '\(real)' --version\necho $$ > '\(pidFile)'\n\(work)\n"
        try script.write(toFile: directory + "/pg_dump", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory + "/pg_dump")
    }

    var environment: [String: String] { ["PATH": directory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")] }

    /// The stand-in's pid once it has written it (the file exists, empty, a moment before).
    var writtenPID: Int32? {
        (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    func waitForPID() async throws -> Int32 {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let pid = writtenPID { return pid }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("the stand-in pg_dump never wrote its pid")
    }

    /// Stops a stand-in that outlived its sidecar.
    func killLeftover() {
        if let pid = writtenPID { kill(pid, SIGKILL) }
    }
}

/// `beekeeper backup run|list|verify` with and without a sidecar, `POST /v1/backups`, the
/// scheduler's run at start, metrics and audit records, and what a crash or a shutdown leaves.
@Suite(.serialized, .timeLimit(.minutes(4)), .enabled(if: BackupTestDatabase.shouldRun, "BEEKEEPER_TEST_PG_URL is not set"))
struct BackupCommandTests {
    static func config(keyHex: String, dataDir: String, databases: [(String, String)], extra: String = "") -> String {
        let list = databases.map { "    - {name: \($0.0), url: \"\($0.1)\"}" }.joined(separator: "\n")
        return """
            data_dir: \(dataDir)
            listen: 127.0.0.1:0
            auth:
              keys: {ops: \(keyHex)}
              clock_skew: 60s
            backup:
              timezone: Europe/Berlin
              databases:
            \(list)
              keep: {last: 2, days: 7, weeks: 4, months: 6}
            \(extra)
            """
    }

    func run(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> Program.Result {
        let env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") }.merging(environment) { $1 }
        return try Program.run(SidecarProcess.binary, arguments, directory: directory, environment: env)
    }

    func dumps(_ dataDir: String, _ folder: String = "last") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dataDir + "/backups/" + folder)) ?? []).sorted()
    }

    @Test func withoutASidecarTheCommandsRunInProcess() async throws {
        let database = try BackupTestDatabase()
        let directory = NSTemporaryDirectory() + "beekeeper-bk-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dataDir = directory + "/data"
        let configPath = directory + "/beekeeper.yaml"
        try Self.config(keyHex: String(repeating: "0", count: 64), dataDir: dataDir, databases: [("colonies", database.url), ("broken", BackupTestDatabase.unreachableURL)])
            .write(toFile: configPath, atomically: true, encoding: .utf8)

        let made = try run(["backup", "run", "colonies", "--config", configPath], in: directory)
        #expect(made.status == 0, "\(made.output)")
        #expect(made.stdout.hasPrefix("colonies: ok \(dataDir)/backups/last/colonies-"), "\(made.stdout)")
        #expect(made.stdout.contains("2 tables, 20003 rows") && made.stdout.contains("verified (integrity)"), "\(made.stdout)")
        let dump = try #require(dumps(dataDir).first { $0.hasSuffix(".sql.gz") })
        #expect(dumps(dataDir) == [BackupNames.manifest(dump), dump].sorted())
        #expect(!FileManager.default.fileExists(atPath: dataDir + "/audit/audit.lock"), "an in-process run does not take over the audit log")

        let list = try run(["backup", "list", "--config", configPath], in: directory)
        #expect(list.status == 0, "\(list.output)")
        let rows = list.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.first == ["DATABASE", "FILE", "SIZE", "AGE", "VERIFIED"])
        #expect(rows.contains { $0.first == "colonies" && $0[1] == "last/\(dump)" && $0.last == "integrity" }, "\(list.stdout)")
        #expect(rows.contains { $0.first == "colonies" && $0[1].hasPrefix("daily/colonies-") }, "\(list.stdout)")
        #expect(rows.count == 5, "\(list.stdout)")  // header, last, daily, weekly, monthly

        let verified = try run(["backup", "verify", "--config", configPath], in: directory)
        #expect(verified.status == 0 && verified.stdout.hasPrefix("ok "), "\(verified.output)")
        let restored = try run(["backup", "verify", "colonies", "--mode", "restore", "--config", configPath], in: directory)
        #expect(restored.status == 0 && restored.stdout.contains("(restore)"), "\(restored.output)")

        // One flipped byte: exit 1 with the reason.
        let path = dataDir + "/backups/last/" + dump
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        let broken = try run(["backup", "verify", "last/" + dump, "--config", configPath], in: directory)
        #expect(broken.status == 1, "\(broken.output)")
        #expect(broken.stdout.contains("FAILED") && broken.stdout.contains("SHA-256 is"), "\(broken.output)")

        // An unreachable database: exit 1, said clearly, nothing written.
        let unreachable = try run(["backup", "run", "broken", "--config", configPath], in: directory)
        #expect(unreachable.status == 1, "\(unreachable.output)")
        #expect(unreachable.stdout.contains("broken: FAILED") && unreachable.stdout.contains("cannot connect to database \"broken\""), "\(unreachable.output)")
        #expect(!dumps(dataDir).contains { $0.hasPrefix("broken") })

        // Usage errors: exit 2.
        #expect(try run(["backup", "run", "nosuch", "--config", configPath], in: directory).status == 2)
        #expect(try run(["backup", "verify", "nosuch", "--config", configPath], in: directory).status == 2)
        #expect(try run(["backup", "verify", "--mode", "fast", "--config", configPath], in: directory).status == 2)
    }

    @Test func withASidecarTheRunGoesThroughSignedPOST() async throws {
        let database = try BackupTestDatabase()
        let tools = try SlowTools(in: NSTemporaryDirectory() + "beekeeper-bk-tools-" + UUID().uuidString.prefix(8).lowercased(), delay: 3)
        defer { try? FileManager.default.removeItem(atPath: (tools.directory as NSString).deletingLastPathComponent) }
        let sidecar = try await SidecarProcess(config: { keyHex, dataDir in
            Self.config(keyHex: keyHex, dataDir: dataDir, databases: [("colonies", database.url), ("broken", BackupTestDatabase.unreachableURL)])
        }, environment: tools.environment)
        _ = try KeyFile.write(sidecar.keyPair, directory: sidecar.directory, name: "ops")

        // The CLI finds the sidecar holding the data directory and asks it.
        let made = try sidecar.cliSeparated(["backup", "run", "colonies", "--config", sidecar.configPath, "--server", sidecar.baseURL])
        #expect(made.status == 0, "\(made.stderr)\(made.stdout)")
        #expect(made.stdout.hasPrefix("colonies: ok \(sidecar.dataDir)/backups/last/colonies-"), "\(made.stdout)")
        let records = try sidecar.auditRecords().filter { $0["type"]?.stringValue?.hasPrefix("backup.") == true }
        #expect(records.map { $0["type"]?.stringValue } == ["backup.started", "backup.succeeded"])
        #expect(records.allSatisfy { $0["actor"]?.stringValue == "ops" && $0["trigger"]?.stringValue == "api" && $0["database"]?.stringValue == "colonies" })
        let file = try #require(records.last?["file"]?.stringValue)
        #expect(FileManager.default.fileExists(atPath: sidecar.dataDir + "/backups/" + file))

        // One run at a time: a second request while one runs (its pg_dump has started) gets 409.
        try? FileManager.default.removeItem(atPath: tools.pidFile)
        async let first = sidecar.post("/v1/backups", body: Array(#"{"database":"colonies"}"#.utf8))
        _ = try await tools.waitForPID()
        let second = try await sidecar.post("/v1/backups", body: Array("{}".utf8))
        #expect(second.status == 409, "\(String(decoding: second.body, as: UTF8.self))")
        #expect(try JSONValue.parse(second.body).value(atPath: "error.code")?.stringValue == "backup_running")
        let firstAnswer = try await first
        #expect(firstAnswer.status == 200, "\(String(decoding: firstAnswer.body, as: UTF8.self))")
        let body = try JSONValue.parse(firstAnswer.body)
        #expect(body["outcome"]?.stringValue == "succeeded")
        #expect(body.value(atPath: "databases.0.file")?.stringValue?.hasPrefix("last/colonies-") == true)

        // A failing database: 502 with its error; unknown ones 404; bad bodies 400.
        let failed = try await sidecar.post("/v1/backups", body: Array(#"{"database":"broken"}"#.utf8))
        #expect(failed.status == 502)
        #expect(try JSONValue.parse(failed.body).value(atPath: "databases.0.error")?.stringValue?.contains("cannot connect") == true)
        #expect(try await sidecar.post("/v1/backups", body: Array(#"{"database":"nosuch"}"#.utf8)).status == 404)
        #expect(try await sidecar.post("/v1/backups", body: Array(#"{"databse":"colonies"}"#.utf8)).status == 400)
        #expect(try await sidecar.post("/v1/backups", body: Array("{}".utf8), headers: [("Content-Type", "application/json")]).status == 401)
        // Two runs of colonies with keep.last 2.
        #expect(dumps(sidecar.dataDir).filter { $0.hasSuffix(".sql.gz") }.count == 2)

        let scrape = try await sidecar.scrape()
        let text = String(decoding: scrape.body, as: UTF8.self)
        #expect(text.contains(#"beekeeper_backup_runs_total{database="colonies",result="success"} 2"#), "\(text)")
        #expect(text.contains(#"beekeeper_backup_runs_total{database="colonies",result="failure"} 0"#))
        #expect(text.contains(#"beekeeper_backup_runs_total{database="broken",result="failure"} 1"#))
        #expect(text.contains(#"beekeeper_backup_last_size_bytes{database="colonies"}"#))
        // Never backed up: 0, so an age alert can see it.
        #expect(text.contains(#"beekeeper_backup_last_success_timestamp_seconds{database="broken"} 0"# + "\n"))
        if MetricsTools.available() { #expect(try MetricsTools.promtoolProblems(scrape.body) == nil) }

        // A CLI without the key cannot ask the sidecar: a usage error, not an in-process run.
        let keyless = try sidecar.cliSeparated(["backup", "run", "--config", sidecar.configPath, "--key", "missing.key"])
        #expect(keyless.status == 2, "\(keyless.stderr)")
        #expect(keyless.stderr.contains("a sidecar serves"), "\(keyless.stderr)")
        #expect(try await sidecar.terminate() == 0)
    }

    /// The sample `name{database="…"} value` of a text exposition.
    static func gauge(_ exposition: String, _ name: String, database: String) -> Double? {
        let prefix = name + "{database=\"\(database)\"} "
        return exposition.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
    }

    @Test func backupGaugesExistFromTheStartAndSurviveARestart() async throws {
        let database = try BackupTestDatabase()
        let sidecar = try await SidecarProcess(config: { keyHex, dataDir in
            Self.config(keyHex: keyHex, dataDir: dataDir, databases: [("colonies", database.url), ("never", BackupTestDatabase.unreachableURL)])
        })
        let name = "beekeeper_backup_last_success_timestamp_seconds"
        let initial = String(decoding: try await sidecar.scrape().body, as: UTF8.self)
        #expect(Self.gauge(initial, name, database: "colonies") == 0, "\(initial)")
        #expect(Self.gauge(initial, name, database: "never") == 0)
        #expect(Self.gauge(initial, "beekeeper_backup_last_size_bytes", database: "never") == 0)
        #expect(try await sidecar.post("/v1/backups", body: Array(#"{"database":"colonies"}"#.utf8)).status == 200)
        let after = String(decoding: try await sidecar.scrape().body, as: UTF8.self)
        let made = try #require(Self.gauge(after, name, database: "colonies"))
        #expect(made > 0)
        #expect(try await sidecar.terminate() == 0)

        // Restarted: the newest manifest on disk gives the gauges back, before any run of this process.
        let restarted = try await SidecarProcess(restarting: sidecar)
        let restored = String(decoding: try await restarted.scrape().body, as: UTF8.self)
        #expect(Self.gauge(restored, name, database: "colonies") == made, "\(restored)")
        #expect(Self.gauge(restored, "beekeeper_backup_last_size_bytes", database: "colonies") == Self.gauge(after, "beekeeper_backup_last_size_bytes", database: "colonies"))
        #expect(Self.gauge(restored, name, database: "never") == 0)
        #expect(try await restarted.terminate() == 0)
    }

    @Test func runOnStartDrivesAScheduledRunThatMetricsAndAuditShow() async throws {
        let database = try BackupTestDatabase()
        let before = Date().timeIntervalSince1970
        let sidecar = try await SidecarProcess(config: { keyHex, dataDir in
            Self.config(keyHex: keyHex, dataDir: dataDir, databases: [("colonies", database.url)], extra: """
                  schedule: "0 3 * * *"
                  run_on_start: true
                  verify: restore
                """)
        })
        try await sidecar.waitForAudit(timeout: .seconds(60)) { records in records.contains { $0["type"]?.stringValue == "backup.succeeded" } }
        let succeeded = try #require(try sidecar.auditRecords().first { $0["type"]?.stringValue == "backup.succeeded" })
        #expect(succeeded["trigger"]?.stringValue == "start")
        #expect(succeeded["verify"]?.stringValue == "restore")
        #expect(succeeded["actor"] == nil)
        let size = try #require(succeeded["size_bytes"]?.doubleValue)

        let scrape = try await sidecar.scrape()
        if MetricsTools.available() {
            #expect(try MetricsTools.promtoolProblems(scrape.body) == nil)
            let parsed = try MetricsTools.parse(scrape.body, openMetrics: false)
            #expect(parsed.value("beekeeper_backup_runs_total", ["database": "colonies", "result": "success"]) == 1)
            #expect(parsed.value("beekeeper_backup_last_size_bytes", ["database": "colonies"]) == size)
            #expect((parsed.value("beekeeper_backup_last_success_timestamp_seconds", ["database": "colonies"]) ?? 0) >= before.rounded(.down))
            #expect((parsed.value("beekeeper_backup_last_duration_seconds", ["database": "colonies"]) ?? 0) > 0)
        }
        // The schedule's state is recorded for the next start.
        let state = try String(contentsOfFile: sidecar.dataDir + "/state/backup-schedule.json", encoding: .utf8)
        #expect(state.contains("\"last_run_ended\"") && state.contains("0 3 * * *"))
        #expect(try await sidecar.terminate() == 0)
    }

    @Test func killedMidDumpLeavesOnlyATemporaryFileThatTheNextStartRemoves() async throws {
        let database = try BackupTestDatabase()
        let tools = try SlowTools(in: NSTemporaryDirectory() + "beekeeper-bk-tools-" + UUID().uuidString.prefix(8).lowercased(), hang: true)
        defer {
            tools.killLeftover()
            try? FileManager.default.removeItem(atPath: (tools.directory as NSString).deletingLastPathComponent)
        }
        let sidecar = try await SidecarProcess(config: { keyHex, dataDir in
            Self.config(keyHex: keyHex, dataDir: dataDir, databases: [("colonies", database.url)], extra: "  run_on_start: true")
        }, environment: tools.environment)
        let temporary = try await waitForTemporary(sidecar.dataDir)
        try await sidecar.kill9()
        tools.killLeftover()
        #expect(dumps(sidecar.dataDir) == [temporary], "only the temporary file is left")

        // The next start removes it (and, run_on_start, starts a new dump under a new name).
        try? FileManager.default.removeItem(atPath: tools.pidFile)
        let restarted = try await SidecarProcess(environment: tools.environment, restarting: sidecar)
        #expect(restarted.log.contains("removed a file an interrupted run left behind"))
        #expect(restarted.log.contains("path=\(restarted.dataDir)/backups/last/\(temporary)"))
        // The new run's file (it may reuse the name when the restart falls in the same second).
        let newTemporary = try await waitForTemporary(restarted.dataDir)
        let dumpPID = try await tools.waitForPID()

        // SIGTERM during a dump: pg_dump is stopped, its temporary file removed, the failure recorded.
        let status = try await restarted.terminate(timeout: .seconds(20))
        #expect(status == 0)
        #expect(!dumps(restarted.dataDir).contains(newTemporary))
        #expect(dumps(restarted.dataDir).allSatisfy { !$0.hasSuffix(".sql.gz") })
        let failed = try restarted.auditRecords().filter { $0["type"]?.stringValue == "backup.failed" }
        #expect(failed.count == 1)
        #expect(failed.first?["error"]?.stringValue?.contains("cancelled") == true, "\(failed)")
        #expect(processIsGone(dumpPID), "pg_dump outlived the sidecar's shutdown")
    }

    /// Waits for a `.tmp` dump in `last/` and returns its name.
    func waitForTemporary(_ dataDir: String) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let name = dumps(dataDir).first(where: { $0.hasSuffix(".sql.gz.tmp") }) { return name }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw HarnessError("no dump started within 30 s")
    }
}

enum BackupNames {
    static func manifest(_ dump: String) -> String { String(dump.dropLast(".sql.gz".count)) + ".json" }
}
