import BeekeeperAuth
import BeekeeperCore
import Curl
import Foundation
import Sodium
import Synchronization
import Testing

/// Issue 13: attacks without a valid key (and a key over its rate limit) against the real binary
/// over real sockets, with a legitimate signed client running beside them. The attacks are
/// `Tools/hostile_clients.py`; the sidecar's descriptors, memory and bytes read come from /proc.
/// Each test records its figures on standard output (`hostile-figures: ...`) for BENCHMARKS.md.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct HostileClientTests {
    static let tool = SidecarProcess.packageRoot + "/Tests/BeekeeperIntegrationTests/Tools/hostile_clients.py"

    /// The standard configuration with an `http:` section of the test's choosing; `echo` is served
    /// by a worker bee, so the legitimate client's latency is the sidecar's, not a Python start.
    static func config(http: [String]) -> (String, String) -> String {
        { key, data in
            SidecarProcess.standardConfig(
                keyHex: key, dataDir: data, extra: "http:\n" + http.map { "  \($0)\n" }.joined(), echoWorker: true)
        }
    }

    /// Runs one attack to its end (on a Dispatch thread, so the legitimate client keeps its
    /// cooperative threads) and returns the JSON its last line holds.
    static func attack(_ arguments: [String]) async throws -> JSONValue {
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Program.Result, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Program.run(SidecarProcess.python, [tool] + arguments) })
            }
        }
        guard result.status == 0, let last = result.stdout.split(separator: "\n").last else {
            throw HarnessError("hostile_clients.py \(arguments) failed (\(result.status)): \(result.output)")
        }
        print("hostile-figures: \(arguments.first ?? "") \(last)")
        return try JSONValue.parse(String(last))
    }

    /// What the legitimate client saw while an attack ran.
    struct Legitimate {
        var succeeded = 0
        var total = 0
        var latencies: [Double] = []
        /// Task ids answered 200: each must have its `task.succeeded` in the audit log.
        var acknowledged: [String] = []
        var successRatio: Double { total == 0 ? 0 : Double(succeeded) / Double(total) }
        var p99: Double {
            let sorted = latencies.sorted()
            return sorted.isEmpty ? .infinity : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        }
    }

    /// Signed echo tasks one after another until `attack` finishes; every 200 is checked for its
    /// result, and afterwards for its durable `task.succeeded` record (nothing acknowledged is lost).
    static func besideLegitimateClient(_ sidecar: SidecarProcess, _ attack: @escaping @Sendable () async throws -> JSONValue) async throws
        -> (JSONValue, Legitimate)
    {
        let finished = Finished()
        let running = Task {
            defer { finished.value.store(true, ordering: .relaxed) }
            return try await attack()
        }
        var seen = Legitimate()
        var n = 0
        let run = UUID().uuidString.prefix(8)
        repeat {
            n += 1
            let started = ContinuousClock.now
            let id = "legit-\(run)-\(n)"
            let answer = try? await sidecar.submit(["id": .string(id), "funcname": "echo", "args": [.number(n)]])
            seen.total += 1
            if let answer, answer.status == 200, answer.body.value(atPath: "result.0")?.intValue == n {
                seen.succeeded += 1
                seen.acknowledged.append(id)
                let elapsed = started.duration(to: .now)
                seen.latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
            try await Task.sleep(for: .milliseconds(20))
        } while !finished.value.load(ordering: .relaxed)
        let result = try await running.value
        print("hostile-figures: legitimate client \(seen.succeeded)/\(seen.total) ok, p99 \(Int(seen.p99 * 1000)) ms")
        // A 200 is given after the outcome is durable, so the records are there now, not eventually.
        let succeeded = Set(try sidecar.auditRecords().filter { $0["type"] == "task.succeeded" }.compactMap { $0["task_id"]?.stringValue })
        let lost = seen.acknowledged.filter { !succeeded.contains($0) }
        #expect(lost.isEmpty, "acknowledged but not audited: \(lost)")
        #expect(!seen.acknowledged.isEmpty, "the legitimate client got no task through")
        return (result, seen)
    }

    @Test func oversizedHeadersLeakNoDescriptors() async throws {
        let sidecar = try await SidecarProcess(config: Self.config(http: ["max_header_bytes: 16KiB", "linger: 500ms"]))
        let (result, legitimate) = try await Self.besideLegitimateClient(sidecar) {
            try await Self.attack(["headers", String(sidecar.port), String(sidecar.process.processIdentifier), "1000", "307200", "1.5"])
        }
        #expect(result.value(atPath: "statuses.431")?.intValue == 1000, "\(result)")
        #expect(result["spec_bodies"]?.intValue == 1000)
        #expect(result["closed_by_sidecar"]?.intValue == 1000)
        let before = result["fds_before"]?.intValue ?? 0
        let after = result["fds_after"]?.intValue ?? .max
        // Both counts are the fewest over a second; the legitimate client's connection may come and go.
        #expect(after <= before + 2, "descriptors \(before) -> \(after)")
        #expect(legitimate.successRatio >= 0.99)
        #expect(try await sidecar.get("/healthz").status == 200)
    }

    @Test func after413TheSidecarReadsAFewMiBAndCloses() async throws {
        let sidecar = try await SidecarProcess(config: Self.config(http: ["linger: 1s", "linger_bytes: 4MiB"]))
        for mode in ["length", "chunked"] {
            let (result, legitimate) = try await Self.besideLegitimateClient(sidecar) {
                try await Self.attack(["oversize", String(sidecar.port), String(sidecar.process.processIdentifier), mode, sidecar.keyName])
            }
            #expect(result["status"]?.intValue == 413, "\(mode): \(result)")
            // rchar counts every byte the process read (the legitimate client's few KiB too): the
            // 1 GiB body is cut off after the body limit (64 KiB), linger_bytes (4 MiB) and what
            // was in the socket buffers when the answer went out.
            let read = result["sidecar_read"]?.intValue ?? .max
            #expect(read < 8 << 20, "\(mode): the sidecar read \(read) bytes")
            #expect((result["closed_after_s"]?.doubleValue ?? 99) < 10, "\(mode): \(result)")
            #expect(legitimate.successRatio >= 0.99)
        }
        #expect(try await sidecar.submit(["funcname": "echo"]).status == 200)
    }

    @Test func stalledUploadsPinNoMemory() async throws {
        let sidecar = try await SidecarProcess(
            config: Self.config(http: ["max_body_bytes_in_flight: 16MiB"]), environment: ["BEEKEEPER_GUARDIAN_MAX_PAYLOAD_BYTES": "1MiB"])
        let pid = String(sidecar.process.processIdentifier)
        // Without a key the answer (401) comes before the body; with a known key name and a
        // garbage signature the body is read, but each stalled upload holds only the 1 KiB it sent.
        for key in ["-", sidecar.keyName] {
            let (result, legitimate) = try await Self.besideLegitimateClient(sidecar) {
                try await Self.attack(["stalled", String(sidecar.port), pid, "1000", key, "3"])
            }
            let growth = (result["rss_peak"]?.intValue ?? .max) - (result["rss_before"]?.intValue ?? 0)
            print("hostile-figures: 1000 stalled uploads, key \(key): RSS +\(growth >> 20) MiB")
            #expect(growth < 64 << 20, "key \(key): RSS grew \(growth) bytes: \(result)")
            if key == "-" {
                #expect(result.value(atPath: "statuses.401")?.intValue == 1000, "\(result)")
            }
            #expect(legitimate.successRatio >= 0.99)
        }
        // Uploads that send almost all of their 1 MiB and stall: 16 MiB of them are read, the rest get 503 busy.
        let full = try await Self.attack(["stalled", String(sidecar.port), pid, "40", sidecar.keyName, "3", String(1_000_000)])
        #expect((full.value(atPath: "statuses.503")?.intValue ?? 0) >= 20, "\(full)")
        let growth = (full["rss_peak"]?.intValue ?? .max) - (full["rss_before"]?.intValue ?? 0)
        #expect(growth < 64 << 20, "RSS grew \(growth) bytes: \(full)")
    }

    @Test func idleAndSlowConnectionsAreShedWithinTheirTimeouts() async throws {
        let sidecar = try await SidecarProcess(config: Self.config(http: [
            "idle_timeout: 2s", "header_timeout: 2s", "body_timeout: 2s", "body_min_rate: 1KiB", "max_connections: 8192",
        ]))
        let (result, legitimate) = try await Self.besideLegitimateClient(sidecar) {
            try await Self.attack([
                "shed", String(sidecar.port), String(sidecar.process.processIdentifier), "2000", "500", "100", sidecar.keyName, "30",
            ])
        }
        for group in ["idle", "slowloris", "slowbody"] {
            #expect(result.value(atPath: "still_open.\(group)")?.intValue == 0, "\(group): \(result)")
        }
        #expect(result["idle_closed"]?.intValue == 2000)
        #expect(result["slowloris_closed"]?.intValue == 500)
        #expect(result["slowbody_closed"]?.intValue == 100)
        // Each was opened within `opened_in_s`; its timeout is 2 s; allow for a loaded machine.
        let opened = result["opened_in_s"]?.doubleValue ?? 0
        for group in ["idle", "slowloris", "slowbody"] {
            #expect((result["\(group)_last_s"]?.doubleValue ?? 99) < opened + 2 + 6, "\(group): \(result)")
        }
        #expect(legitimate.successRatio >= 0.99)
    }

    @Test func sigtermClosesStalledUploadsAfterTheGraceAndDrainsTasks() async throws {
        let sidecar = try await SidecarProcess(
            config: Self.config(http: ["shutdown_grace: 1s", "body_timeout: 60s"]), environment: ["BEEKEEPER_GUARDIAN_MAX_PAYLOAD_BYTES": "1MiB"])
        let pid = String(sidecar.process.processIdentifier)
        let stalled = Task { try await Self.attack(["stalled", String(sidecar.port), pid, "20", sidecar.keyName, "30"]) }
        let deadline = ContinuousClock.now + .seconds(20)
        while try await Self.openConnections(sidecar) < 20, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        // A task in flight when SIGTERM comes is finished and answered.
        let inFlight = Task { try await sidecar.submit(["id": "drained-1", "funcname": "slow", "kwargs": ["seconds": 1]]) }
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        let status = try await sidecar.terminate(timeout: .seconds(30))
        let took = started.duration(to: .now)
        print("hostile-figures: sigterm with 20 stalled uploads exited in \(took)")
        #expect(status == 0)
        // The drain: the uploads' shutdown_grace (1 s) beside the task in flight (1 s), then the
        // bees and the audit log; the stalled clients would have held it for their 30 s.
        #expect(took < .seconds(10), "exit took \(took)")
        let answer = try await inFlight.value
        #expect(answer.status == 200)
        #expect(try sidecar.auditRecords(task: "drained-1").contains { $0["type"] == "task.succeeded" })
        stalled.cancel()
    }

    @Test func anUnauthenticatedFloodAddsLittleToTheAuditLog() async throws {
        let sidecar = try await SidecarProcess(config: Self.config(http: ["denied_audit_interval: 1s"]))
        let before = try Self.auditBytes(sidecar)
        let (result, legitimate) = try await Self.besideLegitimateClient(sidecar) {
            try await Self.attack(["flood", String(sidecar.port), "10000"])
        }
        #expect(result.value(atPath: "statuses.401")?.intValue == 10000, "\(result)")
        // Every denial is counted: one record each for the first, the rest in aggregates.
        try await sidecar.waitForAudit(timeout: .seconds(10)) { records in
            let denied = records.filter { $0["type"] == "auth.denied" && $0["reason"] == "unknown_key" }
            return denied.reduce(0) { $0 + ($1["count"]?.intValue ?? 1) } == 10000
        }
        let growth = try Self.auditBytes(sidecar) - before
        print("hostile-figures: flood of 10000 added \(growth) bytes to the audit log")
        #expect(growth < 1_000_000, "the audit log grew \(growth) bytes")
        let metrics = String(decoding: try await sidecar.scrape().body, as: UTF8.self)
        #expect(metrics.contains(#"beekeeper_auth_denied_total{reason="unknown_key"} 10000"#))
        #expect(legitimate.successRatio >= 0.99)
    }

    @Test func aKeyOverItsRateLimitGets429WhileAnotherKeepsItsRate() async throws {
        let second = Ed25519.KeyPair.generate()
        let sidecar = try await SidecarProcess(config: { key, data in
            SidecarProcess.standardConfig(keyHex: key, dataDir: data)
                .replacingOccurrences(of: "keys: {ops: \(key)}", with: "keys: {ops: \(key), second: \(second.publicKey.hex)}\n  rate_limit: {rate: 5, burst: 5}")
        })
        let body = Array(#"{"funcname":"echo"}"#.utf8)
        let path = "/v1/guardian/check"
        let busy = Task {
            var statuses: [Int: Int] = [:]
            var retryAfter = true
            for _ in 0..<60 {
                let response = try await sidecar.post(path, body: body)
                statuses[response.status, default: 0] += 1
                if response.status == 429 { retryAfter = retryAfter && response.headers.contains { $0.0.lowercased() == "retry-after" } }
            }
            return (statuses, retryAfter)
        }
        var secondStatuses: [Int: Int] = [:]
        for _ in 0..<12 {
            let timestamp = Int64(Date().timeIntervalSince1970)
            let headers = SignedRequest.headers(method: "POST", path: path, body: body, keyName: "second", keyPair: second, timestamp: timestamp)
            let response = try await sidecar.post(path, body: body, headers: headers.map { ($0.name, $0.value) } + [("Content-Type", "application/json")])
            secondStatuses[response.status, default: 0] += 1
            try await Task.sleep(for: .milliseconds(250))
        }
        let (statuses, retryAfter) = try await busy.value
        print("hostile-figures: rate limit 5/s burst 5: busy key \(statuses), second key \(secondStatuses)")
        #expect((statuses[429] ?? 0) >= 20, "\(statuses)")
        #expect((statuses[200] ?? 0) >= 5)
        #expect(retryAfter)
        #expect(secondStatuses == [200: 12])
        let metrics = String(decoding: try await sidecar.scrape().body, as: UTF8.self)
        #expect(metrics.contains(#"beekeeper_auth_denied_total{reason="rate_limited"} \#(statuses[429] ?? 0)"#))
    }

    @Test func everyErrorAnswerHasTheSpecBody() async throws {
        let sidecar = try await SidecarProcess()
        // Duplicate keys: refused, so the bee never gets a member the Guardian did not judge.
        let duplicate = try await sidecar.post("/v1/tasks", body: Array(#"{"funcname":"echo","args":[{"tier":"platinum","tier":"gold"}]}"#.utf8))
        #expect(duplicate.status == 400)
        let duplicateBody = try JSONValue.parse(duplicate.body)
        #expect(duplicateBody.value(atPath: "error.code") == "malformed_request")
        #expect(duplicateBody.value(atPath: "error.message")?.stringValue?.contains("duplicate key") == true)
        // Nesting past the parser's depth is the Guardian's too_deep, not "malformed JSON".
        let deep = Array(("{\"funcname\":\"echo\",\"args\":" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}").utf8)
        let tooDeep = try await sidecar.post("/v1/tasks", body: deep)
        #expect(tooDeep.status == 422)
        #expect(try JSONValue.parse(tooDeep.body).value(atPath: "error.code") == "too_deep")
        // The framework's own answers: an unparsable request, a route that does not exist.
        for (raw, status) in [("GARBAGE\r\n\r\n", 400), ("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404)] {
            let result = try await Self.attack(["raw", String(sidecar.port), raw])
            #expect(result["status"]?.intValue == status, "\(raw): \(result)")
            #expect(result.value(atPath: "body.error.code")?.stringValue != nil, "\(raw): \(result)")
            #expect(result.value(atPath: "body.error.message")?.stringValue != nil, "\(raw): \(result)")
        }
    }

    @Test func connectionsOverTheCapGet503AndAreClosed() async throws {
        let sidecar = try await SidecarProcess(config: Self.config(http: ["max_connections: 8"]))
        let over = try await Self.attack(["cap", String(sidecar.port), "8"])
        #expect(over["status"]?.intValue == 503, "\(over)")
        #expect(over.value(atPath: "body.error.code") == "too_many_connections", "\(over)")
        // Once they are gone, connections are taken again.
        let deadline = ContinuousClock.now + .seconds(10)
        var status = 0
        while status != 200, ContinuousClock.now < deadline {
            status = (try? await sidecar.get("/healthz").status) ?? 0
            if status != 200 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(status == 200)
        let metrics = String(decoding: try await sidecar.scrape().body, as: UTF8.self)
        #expect(metrics.contains(#"beekeeper_http_connections_closed_total{reason="over_capacity"} 1"#))
    }

    /// Issue 13, item 5: the `http` limits and `auth.rate_limit` apply on SIGHUP, `listen` waits
    /// for a restart and says so.
    @Test func sighupAppliesTheHTTPLimitsAndKeepsListen() async throws {
        let sidecar = try await SidecarProcess(config: Self.config(http: ["idle_timeout: 60s", "max_connections: 64", "denied_audit_interval: 60s"]))
        let port = String(sidecar.port)
        // Before: no rate limit, aggregated denials, a long idle timeout.
        for _ in 0..<4 { #expect(try await sidecar.post("/v1/guardian/check", body: Array(#"{"funcname":"echo"}"#.utf8)).status == 200) }
        _ = try await Self.attack(["flood", port, "3"])

        let path = sidecar.directory + "/beekeeper.yaml"
        var yaml = try String(contentsOfFile: path, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "  idle_timeout: 60s\n  max_connections: 64\n  denied_audit_interval: 60s\n", with: """
              idle_timeout: 1s
              max_connections: 4
              denied_audit_interval: 0s

            """)
        yaml = yaml.replacingOccurrences(of: "  clock_skew: 60s\n", with: "  clock_skew: 60s\n  rate_limit: {rate: 0.5, burst: 2}\n")
        yaml = yaml.replacingOccurrences(of: "listen: 127.0.0.1:0", with: "listen: 127.0.0.1:1")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        kill(sidecar.process.processIdentifier, SIGHUP)
        try await sidecar.waitForAudit { $0.contains { $0["type"] == "config.reloaded" } }
        let reloaded = try #require(try sidecar.auditRecords().first { $0["type"] == "config.reloaded" })
        #expect(reloaded["restart_required"] == ["listen"], "\(reloaded)")
        #expect(sidecar.log.contains("listen changed; the sidecar keeps its bound address until restarted"))
        let applied = try #require(sidecar.log.split(separator: "\n").last { $0.contains("http limits applied") })
        for key in ["http.idle_timeout", "http.max_connections", "http.denied_audit_interval", "auth.rate_limit"] {
            #expect(applied.contains(key), "\(applied)")
        }

        // The rate limit: a burst of 2, then 429 with Retry-After.
        var statuses: [Int] = []
        for _ in 0..<3 { statuses.append(try await sidecar.post("/v1/guardian/check", body: Array(#"{"funcname":"echo"}"#.utf8)).status) }
        #expect(statuses == [200, 200, 429])
        // The idle timeout: connections opened now are shed after about a second, not sixty.
        let shed = try await Self.attack(["shed", port, String(sidecar.process.processIdentifier), "3", "0", "0", sidecar.keyName, "20"])
        #expect(shed["idle_closed"]?.intValue == 3, "\(shed)")
        // Held for about the new second (not refused at once over the cap), and not for sixty.
        #expect((shed["idle_last_s"]?.doubleValue ?? 0) > 0.8, "\(shed)")
        #expect((shed["idle_last_s"]?.doubleValue ?? 99) < 6, "\(shed)")
        // The connection cap: 4 held, the 5th refused.
        let over = try await Self.attack(["cap", port, "4"])
        #expect(over["status"]?.intValue == 503, "\(over)")
        // Denials are no longer aggregated: each of three is its own record at once.
        let deniedBefore = try sidecar.auditRecords().filter { $0["type"] == "auth.denied" && $0["aggregated"] == nil }.count
        _ = try await Self.attack(["flood", port, "3"])
        try await sidecar.waitForAudit(timeout: .seconds(10)) { records in
            records.filter { $0["type"] == "auth.denied" && $0["aggregated"] == nil }.count == deniedBefore + 3
        }
        #expect(try await sidecar.terminate() == 0)
    }

    // MARK: Helpers

    final class Finished: Sendable {
        let value = Atomic<Bool>(false)
    }

    static func openConnections(_ sidecar: SidecarProcess) async throws -> Int {
        let text = String(decoding: try await sidecar.scrape().body, as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("beekeeper_http_connections_open ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) } ?? 0
    }

    static func auditBytes(_ sidecar: SidecarProcess) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: sidecar.auditDir).reduce(0) { total, name in
            let attributes = try FileManager.default.attributesOfItem(atPath: sidecar.auditDir + "/" + name)
            return total + ((attributes[.size] as? Int) ?? 0)
        }
    }
}
