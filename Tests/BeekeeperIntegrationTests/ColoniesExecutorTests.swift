import BeekeeperCore
import Curl
import Foundation
import Testing

/// Beekeeper as a ColonyOS executor (SPEC section 11), end to end: the real binary, a real bee,
/// the Colonies stand-in, and pycolonies submitting and reading back as a ColonyOS user would.
@Suite("ColonyOS executor")
struct ColoniesExecutorTests {
    /// A stand-in with a colony set up, and a sidecar serving it.
    static func start(_ standIn: ColoniesStandIn, concurrency: Int = 4, registerItself: Bool = false) async throws -> SidecarProcess {
        let section = standIn.configSection(concurrency: concurrency, registerItself: registerItself)
        return try await SidecarProcess(config: { key, data in SidecarProcess.standardConfig(keyHex: key, dataDir: data, extra: section) })
    }

    static func errors(_ process: JSONValue) -> String {
        (process["errors"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "; ")
    }

    @Test("a process is run by the bee through Guardian and audit, and the user reads the result back")
    func success() async throws {
        let standIn = try ColoniesStandIn()
        _ = try standIn.setUp()
        let sidecar = try await Self.start(standIn)
        let id = try standIn.submit("echo", args: ["hello", "42"], kwargs: ["currency": "EUR"])
        let process = try standIn.wait(id)

        #expect(process["state"] == 2, "\(process)")
        let out = try #require(process["out"]?.arrayValue)
        #expect(out.count == 1)
        #expect(out.first?["task_id"]?.stringValue == id, "the bee sees the process id as its task id")
        #expect(out.first?["args"] == ["hello", "42"])
        #expect(out.first?["kwargs"] == ["currency": "EUR"])

        try await sidecar.waitForAudit(timeout: .seconds(60)) { records in records.contains { $0["type"] == "colonies.reported" && $0["task_id"]?.stringValue == id } }
        let records = try sidecar.auditRecords(task: id)
        let types = records.compactMap { $0["type"]?.stringValue }
        #expect(types == ["task.received", "task.approved", "task.started", "task.succeeded", "colonies.reported"])
        #expect(records.allSatisfy { $0["colony"] == "dev" })
        #expect(records.first?["actor"] == "alice")
        let verify = try sidecar.cli(["audit", "verify", sidecar.auditDir])
        #expect(verify.status == 0, "\(verify.output)")

        let metrics = try MetricsTools.parse(try await sidecar.scrape().body, openMetrics: false)
        #expect(metrics.value("beekeeper_colonies_assigned_total") == 1)
        #expect(metrics.value("beekeeper_colonies_reports_total", ["result": "acknowledged"]) == 1)
        #expect(metrics.value("beekeeper_colonies_up") == 1)
        #expect(metrics.value("beekeeper_tasks_total", ["bee": "tester", "funcname": "echo", "outcome": "succeeded"]) == 1)
        let ready = try JSONValue.parse(try await sidecar.get("/readyz").body)
        #expect(ready["colonies"]?["up"] == true)
        #expect(ready["colonies"]?["executor"] == "beekeeper-1")
        #expect(try await sidecar.terminate() == 0)
    }

    @Test("blocks, unknown funcnames, bee failures and timeouts fail the process with the reason")
    func failures() async throws {
        let standIn = try ColoniesStandIn()
        _ = try standIn.setUp()
        let sidecar = try await Self.start(standIn)
        let blocked = try standIn.submit("echo", args: ["x'; DROP TABLE invoices; --"])
        let unknown = try standIn.submit("nosuchfunc")
        let failed = try standIn.submit("fail")
        let slow = try standIn.submit("slow", kwargs: ["seconds": "30"])

        let blockedProcess = try standIn.wait(blocked)
        #expect(blockedProcess["state"] == 3)
        #expect(Self.errors(blockedProcess).contains("blocked by Beekeeper Guardian: pattern:"), "\(blockedProcess)")
        #expect(Self.errors(try standIn.wait(unknown)).contains("blocked by Beekeeper Guardian: unknown_funcname"))
        #expect(Self.errors(try standIn.wait(failed)).contains("ledger rejected the entry: account closed"))
        let slowProcess = try standIn.wait(slow)
        #expect(slowProcess["state"] == 3)
        #expect(Self.errors(slowProcess).contains("timed out"), "\(slowProcess)")

        try await sidecar.waitForAudit(timeout: .seconds(60)) { records in records.filter { $0["type"] == "colonies.reported" }.count == 4 }
        let blockedTypes = try sidecar.auditRecords(task: blocked).compactMap { $0["type"]?.stringValue }
        #expect(blockedTypes == ["task.received", "task.blocked", "colonies.reported"], "the bee never started for a blocked process")
        #expect(try sidecar.auditRecords(task: slow).contains { $0["type"] == "task.timed_out" })
        #expect(try await sidecar.terminate() == 0)
    }

    @Test("a process whose kwargs or args carry a duplicate key is failed with the Guardian's duplicate_key; the bee never runs")
    func duplicateKeys() async throws {
        // No Go server marshals a duplicate key, so the stand-in is told to write the raw bytes
        // into the process it hands out: kwargs {"tier":"platinum","tier":"gold"}, and an args
        // element that is such an object. A bee whose parser keeps the first member would run
        // "platinum" where the Guardian, keeping the last, judged "gold".
        let standIn = try ColoniesStandIn(arguments: [
            "--tamper-assign", #""tier": "platinum""#, #""tier": "platinum", "tier": "gold""#,
            "--tamper-assign", #""tier-object""#, #"{"tier": "platinum", "tier": "gold"}"#,
        ])
        _ = try standIn.setUp()
        let sidecar = try await Self.start(standIn)
        let inKwargs = try standIn.submit("echo", kwargs: ["tier": "platinum"])
        let inArgs = try standIn.submit("echo", args: ["tier-object"])
        let clean = try standIn.submit("echo", args: ["plain"], kwargs: ["tier": "silver"])

        for id in [inKwargs, inArgs] {
            let process = try standIn.wait(id)
            #expect(process["state"] == 3, "\(process)")
            #expect(Self.errors(process).contains("blocked by Beekeeper Guardian: duplicate_key"), "\(process)")
        }
        #expect(try standIn.wait(clean)["state"] == 2, "an untampered process still runs")

        try await sidecar.waitForAudit(timeout: .seconds(60)) { records in records.filter { $0["type"] == "colonies.reported" }.count == 3 }
        for id in [inKwargs, inArgs] {
            let records = try sidecar.auditRecords(task: id)
            #expect(records.compactMap { $0["type"]?.stringValue } == ["task.received", "task.blocked", "colonies.reported"], "the bee never started: \(records)")
            #expect(records.first { $0["type"] == "task.blocked" }?["reason"] == "duplicate_key", "\(records)")
        }
        // The bee (echo, a process bee that prints what it got) saw only the clean process.
        let metrics = try MetricsTools.parse(try await sidecar.scrape().body, openMetrics: false)
        #expect(metrics.value("beekeeper_tasks_total", ["bee": "tester", "funcname": "echo", "outcome": "succeeded"]) == 1)
        #expect(metrics.value("beekeeper_guardian_decisions_total", ["decision": "blocked", "reason": "duplicate_key"]) == 2)
        #expect(try await sidecar.terminate() == 0)
    }

    @Test("a positive maxexectime caps the bee's timeout so the report beats the server's deadline")
    func maxExecTimeCaps() async throws {
        let standIn = try ColoniesStandIn()
        _ = try standIn.setUp()
        let sidecar = try await Self.start(standIn)
        // The queue bee's own timeout is 10 s; the process allows 4 s.
        let id = try standIn.submit("queued", kwargs: ["seconds": "30"], maxExecTime: 4)
        let process = try standIn.wait(id, timeout: 60)
        #expect(process["state"] == 3)
        #expect(Self.errors(process).contains("timed out"), "the server's own deadline won: \(process)")
        #expect(process["retries"] == 0)
        let timedOut = try #require(try sidecar.auditRecords(task: id).first { $0["type"] == "task.timed_out" })
        let milliseconds = try #require(timedOut["duration_ms"]?.doubleValue)
        #expect(milliseconds < 4000)
        #expect(try await sidecar.terminate() == 0)
    }

    @Test("a server down for 30 s mid-run gets its report afterwards, and nothing runs twice")
    func serverOutage() async throws {
        let standIn = try ColoniesStandIn()
        _ = try standIn.setUp()
        let sidecar = try await Self.start(standIn)
        // Six seconds of bee (the queue bee allows 10): the server must be down before the report
        // even when a loaded machine is slow to show task.started and to kill the server.
        let id = try standIn.submit("queued", kwargs: ["seconds": "6"])
        try await sidecar.waitForAudit(timeout: .seconds(60)) { records in records.contains { $0["type"] == "task.started" && $0["task_id"]?.stringValue == id } }
        standIn.kill9()
        let downSince = ContinuousClock.now
        try await sidecar.waitForAudit(timeout: .seconds(60)) { records in records.contains { $0["type"] == "task.succeeded" && $0["task_id"]?.stringValue == id } }
        let whileDown = try JSONValue.parse(try await sidecar.get("/readyz").body)
        try await Task.sleep(until: downSince + .seconds(30))
        #expect(whileDown["colonies"]?["owed_reports"] == 1)
        try standIn.restart()

        let process = try standIn.wait(id, timeout: 60)
        #expect(process["state"] == 2)
        try await sidecar.waitForAudit(timeout: .seconds(40)) { records in
            records.contains { $0["type"] == "colonies.reported" && $0["task_id"]?.stringValue == id }
        }
        let records = try sidecar.auditRecords(task: id)
        #expect(records.filter { $0["type"] == "task.started" }.count == 1, "the bee ran once")
        #expect(records.filter { $0["type"] == "colonies.reported" }.count == 1)
        #expect(try await sidecar.terminate() == 0)
    }

    @Test("kill -9 between the audit record and the report: the report is re-sent after restart, the bee does not run again")
    func killBeforeReport() async throws {
        let standIn = try ColoniesStandIn()
        _ = try standIn.setUp()
        let sidecar = try await Self.start(standIn)
        let id = try standIn.submit("slow", kwargs: ["seconds": "1"])
        try await sidecar.waitForAudit(timeout: .seconds(60)) { records in records.contains { $0["type"] == "task.started" && $0["task_id"]?.stringValue == id } }
        standIn.kill9()  // the report cannot be delivered: it is owed
        try await sidecar.waitForAudit(timeout: .seconds(60)) { records in records.contains { $0["type"] == "task.succeeded" && $0["task_id"]?.stringValue == id } }
        try await sidecar.kill9()
        try standIn.restart()

        let restarted = try await SidecarProcess(restarting: sidecar)
        let process = try standIn.wait(id)
        #expect(process["state"] == 2, "\(process)")
        #expect(process["out"]?[0]?["slept"] == "1")
        try await restarted.waitForAudit(timeout: .seconds(60)) { records in records.contains { $0["type"] == "colonies.reported" && $0["task_id"]?.stringValue == id } }
        let records = try restarted.auditRecords(task: id)
        #expect(records.filter { $0["type"] == "task.started" }.count == 1, "the bee ran once")
        #expect(records.filter { $0["type"] == "task.succeeded" }.count == 1)
        #expect(try await restarted.terminate() == 0)
    }

    @Test("a process cancelled while the bee runs is audited as colonies.lost and counted, never retried")
    func cancelled() async throws {
        let standIn = try ColoniesStandIn()
        _ = try standIn.setUp()
        let sidecar = try await Self.start(standIn)
        // Six seconds of bee (the queue bee allows 10): the server must be down before the report
        // even when a loaded machine is slow to show task.started and to kill the server.
        let id = try standIn.submit("queued", kwargs: ["seconds": "6"])
        try await sidecar.waitForAudit(timeout: .seconds(60)) { records in records.contains { $0["type"] == "task.started" && $0["task_id"]?.stringValue == id } }
        try standIn.client(["cancel", id])
        try await sidecar.waitForAudit(timeout: .seconds(60)) { records in records.contains { $0["type"] == "colonies.lost" && $0["task_id"]?.stringValue == id } }
        let lost = try #require(try sidecar.auditRecords(task: id).first { $0["type"] == "colonies.lost" })
        #expect(lost["error"]?.stringValue?.contains("Tried to set cancelled process") == true, "\(lost)")
        #expect(try standIn.client(["get", id])["state"] == 4)
        let metrics = try MetricsTools.parse(try await sidecar.scrape().body, openMetrics: false)
        #expect(metrics.value("beekeeper_colonies_reports_total", ["result": "lost"]) == 1)
        let closes = try standIn.requests().filter { $0["processid"]?.stringValue == id && $0["msgtype"] == "closesuccessfulmsg" }
        #expect(closes.count == 1, "a refused report is not retried")
        #expect(try await sidecar.terminate() == 0)
    }

    @Test("SIGTERM: assigning stops at once, the process in hand finishes and is reported, then exit 0")
    func drainOnSIGTERM() async throws {
        let standIn = try ColoniesStandIn()
        _ = try standIn.setUp()
        let sidecar = try await Self.start(standIn)
        // Six seconds of bee (the queue bee allows 10): the server must be down before the report
        // even when a loaded machine is slow to show task.started and to kill the server.
        let id = try standIn.submit("queued", kwargs: ["seconds": "6"])
        try await sidecar.waitForAudit(timeout: .seconds(60)) { records in records.contains { $0["type"] == "task.started" && $0["task_id"]?.stringValue == id } }
        kill(sidecar.process.processIdentifier, SIGTERM)
        try await Task.sleep(for: .milliseconds(500))
        let late = try standIn.submit("echo", args: ["too late"])
        #expect(try await sidecar.terminate() == 0)

        #expect(try standIn.client(["get", id])["state"] == 2, "the process in hand was reported before exit")
        try await Task.sleep(for: .seconds(1))
        #expect(try standIn.client(["get", late])["state"] == 0, "nothing was assigned after SIGTERM")
        let records = try sidecar.auditRecords()
        #expect(records.contains { $0["type"] == "colonies.reported" && $0["task_id"]?.stringValue == id })
        #expect(records.last?["type"] == "audit.checkpoint" || records.last?["type"] == "sidecar.stopped")
    }

    @Test("at start, a process an earlier run held without an outcome is failed with 'beekeeper restarted'")
    func orphanAtStart() async throws {
        let standIn = try ColoniesStandIn()
        _ = try standIn.setUp()
        let sidecar = try await Self.start(standIn)
        let id = try standIn.submit("slow", kwargs: ["seconds": "30"])
        try await sidecar.waitForAudit(timeout: .seconds(60)) { records in records.contains { $0["type"] == "task.started" && $0["task_id"]?.stringValue == id } }
        try await sidecar.kill9()
        #expect(try standIn.client(["get", id])["state"] == 1)

        let restarted = try await SidecarProcess(restarting: sidecar)
        let process = try standIn.wait(id)
        #expect(process["state"] == 3)
        #expect(Self.errors(process).contains("beekeeper restarted"), "\(process)")
        #expect(try await restarted.terminate() == 0)
    }

    @Test("with colony_key_file Beekeeper registers and approves itself")
    func registersItself() async throws {
        let standIn = try ColoniesStandIn()
        _ = try standIn.setUp(register: false)
        let sidecar = try await Self.start(standIn, registerItself: true)
        let id = try standIn.submit("echo", args: ["registered"])
        #expect(try standIn.wait(id)["state"] == 2)
        #expect(try await sidecar.terminate() == 0)
    }
}

/// `beekeeper config check --online`: the Colonies server is reached with the executor's own key.
@Suite("config check --online")
struct ConfigCheckOnlineTests {
    static func check(_ standIn: ColoniesStandIn, server: String? = nil) throws -> Program.Result {
        var section = standIn.configSection()
        if let server { section = section.replacingOccurrences(of: standIn.url, with: server) }
        let path = standIn.directory + "/online.yaml"
        try "data_dir: \(standIn.directory)/data\n\(section)\n".write(toFile: path, atomically: true, encoding: .utf8)
        let env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") }
        return try Program.run(SidecarProcess.binary, ["config", "check", "--online", "--config", path], environment: env)
    }

    @Test("a registered executor passes; an unknown one and a server that is down fail with exit 1 and say why")
    func online() throws {
        let registered = try ColoniesStandIn()
        _ = try registered.setUp()
        let ok = try Self.check(registered)
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.stderr.contains("knows executor beekeeper-1"))

        let unregistered = try ColoniesStandIn()
        _ = try unregistered.setUp(register: false)
        let refused = try Self.check(unregistered)
        #expect(refused.status == 1)
        #expect(refused.output.contains("not a member"), "\(refused.output)")
        #expect(refused.output.contains("registered and approved"))

        let down = try Self.check(registered, server: "http://127.0.0.1:9")
        #expect(down.status == 1)
        #expect(down.output.contains("cannot reach the Colonies server"), "\(down.output)")
    }
}

/// The stand-in's own checks (statuses, messages, long polls, deadlines, stale cleanup, restarts),
/// driven by pycolonies: what makes it a faithful stand-in for the real server in CI.
@Suite("Colonies stand-in")
struct ColoniesStandInSelfTests {
    @Test("the stand-in passes its self-test against pycolonies")
    func selfTest() throws {
        let result = try Program.run(SidecarProcess.python, [ColoniesStandIn.tools + "/colonies_standin_selftest.py"])
        #expect(result.status == 0, "\(result.output)")
        let summary = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.hasSuffix(" passed, 0 failed"), "\(result.output)")
        #expect((Int(summary.split(separator: " ").first ?? "") ?? 0) >= 20)
    }
}
