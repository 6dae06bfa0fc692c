import BeekeeperCore
import Curl
import Foundation
import Testing

/// The real binary, real bee processes, signed HTTP: each test checks the answer and the audit trail.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct TaskLifecycleTests {
    static let validEvent: JSONValue = [
        "id": "evt_1", "type": "invoice.paid",
        "data": ["object": ["amount_paid": 4200, "currency": "EUR", "metadata": ["userId": "8d0f7a52-3f6b-4a8e-9c1d-2b5e6f7a8b9c", "tier": "gold"]]],
    ]

    func types(_ records: [JSONValue]) -> [String] { records.compactMap { $0["type"]?.stringValue } }

    @Test func succeededTaskIsAnsweredAndAudited() async throws {
        let sidecar = try await SidecarProcess()
        let answer = try await sidecar.submit(["id": "ok-1", "funcname": "echo", "args": [1, "card 4242 4242 4242 4242"], "kwargs": ["k": "v"]])
        #expect(answer.status == 200)
        #expect(answer.body["outcome"] == "succeeded")
        #expect(answer.body["task_id"] == "ok-1")
        #expect(answer.body.value(atPath: "result.args.1") == "card 4242 4242 4242 4242")
        #expect(answer.body["duration_ms"]?.doubleValue != nil)
        let records = try sidecar.auditRecords(task: "ok-1")
        #expect(types(records) == ["task.received", "task.approved", "task.started", "task.succeeded"])
        #expect(records[0]["payload_sha256"]?.stringValue?.count == 64)
        #expect(records[0]["actor"] == "ops")
        #expect(records[3]["attempt"] == 1)
        // Raw payloads never reach the audit log.
        #expect(try !sidecar.rawAudit().contains("4242 4242"))
    }

    @Test func aReusedIdWithADifferentBodyIsRefusedAndAuditedWithBothDigests() async throws {
        let sidecar = try await SidecarProcess()
        let first = try await sidecar.submit(["id": "reuse-1", "funcname": "echo", "args": [1]])
        #expect(first.status == 200)
        let replay = try await sidecar.submit(["id": "reuse-1", "funcname": "echo", "args": [1]])
        #expect(replay.status == 200)
        #expect(replay.response.headers.contains { $0.0.lowercased() == "idempotent-replay" })
        let other = try await sidecar.submit(["id": "reuse-1", "funcname": "echo", "args": [2]])
        #expect(other.status == 409)
        #expect(other.body.value(atPath: "error.code") == "id_reused")
        let records = try sidecar.auditRecords(task: "reuse-1")
        let original = try #require(records.first { $0["type"] == "task.received" }?["payload_sha256"]?.stringValue)
        let reused = try #require(records.first { $0["type"] == "task.duplicate" && $0["state"] == "reused" })
        #expect(reused["original_payload_sha256"]?.stringValue == original)
        #expect(reused["payload_sha256"]?.stringValue?.count == 64)
        #expect(reused["payload_sha256"]?.stringValue != original)
        #expect(types(records).filter { $0 == "task.started" }.count == 1)

        // The digest is journalled with the outcome: a restart still refuses the other body.
        #expect(try await sidecar.terminate() == 0)
        let restarted = try await SidecarProcess(restarting: sidecar)
        #expect(try await restarted.submit(["id": "reuse-1", "funcname": "echo", "args": [2]]).status == 409)
        #expect(try await restarted.submit(["id": "reuse-1", "funcname": "echo", "args": [1]]).status == 200)
        #expect(try await restarted.terminate() == 0)
    }

    @Test func workerBeeValidatesAStripeEvent() async throws {
        let sidecar = try await SidecarProcess()
        let answer = try await sidecar.submit(["id": "fin-1", "funcname": "validate_revenue", "args": [Self.validEvent]])
        #expect(answer.status == 200)
        #expect(answer.body.value(atPath: "result.valid") == true)
        #expect(answer.body.value(atPath: "result.amount_minor") == 4200)
        let invalid = try await sidecar.submit([
            "id": "fin-2", "funcname": "validate_revenue",
            "args": [["type": "customer.created", "data": ["object": ["metadata": ["tier": "gold"]]]]],
        ])
        #expect(invalid.status == 502)
        #expect(invalid.body["outcome"] == "failed")
        #expect(invalid.body.value(atPath: "error.message")?.stringValue?.contains("not a revenue event") == true)
        #expect(types(try sidecar.auditRecords(task: "fin-2")).last == "task.failed")
    }

    @Test func guardianBlocksRuleAndPatternViolations() async throws {
        let sidecar = try await SidecarProcess()
        var event = Self.validEvent
        event = event.setting("data", to: ["object": ["amount_paid": 1, "currency": "EUR", "metadata": ["userId": "8d0f7a52-3f6b-4a8e-9c1d-2b5e6f7a8b9c", "tier": "platinum"]]])
        let rule = try await sidecar.submit(["id": "blk-1", "funcname": "validate_revenue", "args": [event]])
        #expect(rule.status == 422)
        #expect(rule.body["outcome"] == "blocked")
        #expect(rule.body["reason"] == "rule:args.0.data.object.metadata.tier:one_of")
        #expect(rule.body.value(atPath: "error.code") == "blocked")
        let pattern = try await sidecar.submit(["id": "blk-2", "funcname": "echo", "args": ["x'; DROP TABLE users; --"]])
        #expect(pattern.status == 422)
        #expect(pattern.body["reason"]?.stringValue?.hasPrefix("pattern:") == true)
        let unknown = try await sidecar.submit(["id": "blk-3", "funcname": "rm_everything"])
        #expect(unknown.body["reason"] == "unknown_funcname")

        let records = try sidecar.auditRecords(task: "blk-1")
        #expect(types(records) == ["task.received", "task.blocked"])
        #expect(records[1]["reason"] == "rule:args.0.data.object.metadata.tier:one_of")
        #expect(types(try sidecar.auditRecords(task: "blk-2")) == ["task.received", "task.blocked"])
    }

    @Test func failedBeeReportsItsStderr() async throws {
        let sidecar = try await SidecarProcess()
        let answer = try await sidecar.submit(["id": "fail-1", "funcname": "fail"])
        #expect(answer.status == 502)
        #expect(answer.body["outcome"] == "failed")
        #expect(answer.body.value(atPath: "error.message")?.stringValue?.contains("ledger rejected the entry") == true)
        let records = try sidecar.auditRecords(task: "fail-1")
        #expect(types(records) == ["task.received", "task.approved", "task.started", "task.failed"])
        #expect(records.last?["error"]?.stringValue?.contains("account closed") == true)
    }

    @Test func transientFailuresAreRetriedUntilSuccess() async throws {
        let sidecar = try await SidecarProcess()
        let counter = sidecar.directory + "/flaky-counter"
        let answer = try await sidecar.submit(["id": "flaky-1", "funcname": "flaky", "kwargs": ["counter": .string(counter), "failures": 2]])
        #expect(answer.status == 200)
        #expect(answer.body.value(atPath: "result.attempts_seen") == 3)
        let records = try sidecar.auditRecords(task: "flaky-1")
        let started = records.filter { $0["type"] == "task.started" }
        #expect(started.map { $0["attempt"]?.intValue } == [1, 2, 3])
        #expect(started[1]["retry_after_error"]?.stringValue?.contains("connection reset") == true)
        #expect(records.last?["type"] == "task.succeeded")
        #expect(records.last?["attempt"] == 3)
    }

    @Test func timeoutKillsTheWholeProcessGroup() async throws {
        let sidecar = try await SidecarProcess()
        let pidfile = sidecar.directory + "/sleep.pids"
        let answer = try await sidecar.submit(["id": "slow-1", "funcname": "sleep", "kwargs": ["pidfile": .string(pidfile), "seconds": 60], "timeout": 2])
        #expect(answer.status == 504)
        #expect(answer.body["outcome"] == "timed_out")
        let pids = try String(contentsOfFile: pidfile, encoding: .utf8).split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(pids.count == 2)
        // The bee and its grandchild (same process group) are both gone.
        let deadline = ContinuousClock.now + .seconds(10)
        while !pids.allSatisfy(processIsGone), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        for pid in pids { #expect(processIsGone(pid), "process \(pid) survived the timeout") }
        #expect(types(try sidecar.auditRecords(task: "slow-1")).last == "task.timed_out")
    }

    @Test func replayedIdReturnsTheStoredOutcomeWithoutRunning() async throws {
        let sidecar = try await SidecarProcess()
        let counter = sidecar.directory + "/replay-counter"
        let task: JSONValue = ["id": "once-1", "funcname": "flaky", "kwargs": ["counter": .string(counter), "failures": 0]]
        let first = try await sidecar.submit(task)
        let second = try await sidecar.submit(task)
        #expect(first.status == 200)
        #expect(second.status == 200)
        #expect(second.body == first.body)
        #expect(second.response.header("Idempotent-Replay") == "true")
        #expect(first.response.header("Idempotent-Replay") == nil)
        #expect(try String(contentsOfFile: counter, encoding: .utf8) == "1")
        let records = try sidecar.auditRecords(task: "once-1")
        #expect(records.filter { $0["type"] == "task.succeeded" }.count == 1)
        #expect(records.last?["type"] == "task.duplicate")
    }

    @Test func concurrentDuplicateGets409() async throws {
        let sidecar = try await SidecarProcess()
        let task: JSONValue = ["id": "dup-1", "funcname": "slow", "kwargs": ["seconds": 4], "timeout": 30]
        async let first = sidecar.submit(task)
        try await sidecar.waitForAudit { records in records.contains { $0["task_id"] == "dup-1" && $0["type"] == "task.started" } }
        let second = try await sidecar.submit(task)
        #expect(second.status == 409)
        #expect(second.body.value(atPath: "error.code") == "task_running")
        #expect(try await first.status == 200)
    }

    @Test func badSignatureStaleTimestampAndReplayedNonceAreRefused() async throws {
        let sidecar = try await SidecarProcess()
        let echo: JSONValue = ["funcname": "echo"]
        let body = echo.bytes

        var tampered = sidecar.signedHeaders(path: "/v1/tasks", body: body)
        let tamperedTask: JSONValue = ["funcname": "echo", "args": ["extra"]]
        let tamperedBody = tamperedTask.bytes
        let bad = try await sidecar.post("/v1/tasks", body: tamperedBody, headers: tampered)
        #expect(bad.status == 401)
        #expect(try JSONValue.parse(bad.body).value(atPath: "error.code") == "bad_signature")

        tampered = sidecar.signedHeaders(path: "/v1/tasks", body: body, timestamp: Int64(Date().timeIntervalSince1970) - 3600)
        let stale = try await sidecar.post("/v1/tasks", body: body, headers: tampered)
        #expect(stale.status == 401)
        #expect(try JSONValue.parse(stale.body).value(atPath: "error.code") == "stale_timestamp")

        let once = sidecar.signedHeaders(path: "/v1/tasks", body: body)
        let accepted = try await sidecar.post("/v1/tasks", body: body, headers: once)
        #expect(accepted.status == 200)
        let replay = try await sidecar.post("/v1/tasks", body: body, headers: once)
        #expect(replay.status == 401)
        #expect(try JSONValue.parse(replay.body).value(atPath: "error.code") == "replayed_nonce")

        let unsigned = try await sidecar.post("/v1/tasks", body: body, headers: [("Content-Type", "application/json")])
        #expect(unsigned.status == 401)

        let denials = try sidecar.auditRecords().filter { $0["type"] == "auth.denied" }
        #expect(denials.compactMap { $0["reason"]?.stringValue } == ["bad_signature", "stale_timestamp", "replayed_nonce", "missing_signature"])
    }

    @Test func oversizedMalformedAndNonJSONBodiesAreRefused() async throws {
        let sidecar = try await SidecarProcess()
        let huge = Array(repeating: UInt8(ascii: "a"), count: 8 << 20)
        let tooLarge = try await sidecar.post("/v1/tasks", body: huge)
        #expect(tooLarge.status == 413)
        #expect(try JSONValue.parse(tooLarge.body).value(atPath: "error.code") == "payload_too_large")

        let malformed = Array(#"{"funcname": "echo", "args": [1,}"#.utf8)
        let bad = try await sidecar.post("/v1/tasks", body: malformed)
        #expect(bad.status == 400)
        #expect(try JSONValue.parse(bad.body).value(atPath: "error.code") == "malformed_request")

        let wrongShape = try await sidecar.submit(["funcname": "echo", "args": "not-a-list"])
        #expect(wrongShape.status == 400)

        let text = Array("funcname=echo".utf8)
        var headers = sidecar.signedHeaders(path: "/v1/tasks", body: text)
        headers.removeLast()
        headers.append(("Content-Type", "text/plain"))
        let notJSON = try await sidecar.post("/v1/tasks", body: text, headers: headers)
        #expect(notJSON.status == 415)
        // Still serving after all that.
        #expect(try await sidecar.submit(["funcname": "echo"]).status == 200)
    }

    @Test func fullQueueAnswers503WithRetryAfter() async throws {
        let sidecar = try await SidecarProcess()
        // The "queue" bee runs one task at a time and lets one wait.
        let answers = try await withThrowingTaskGroup(of: SidecarProcess.TaskAnswer.self) { group in
            for index in 0..<4 {
                group.addTask { try await sidecar.submit(["id": .string("q-\(index)"), "funcname": "queued", "kwargs": ["seconds": 1.5]]) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let rejected = answers.filter { $0.status == 503 }
        #expect(answers.filter { $0.status == 200 }.count >= 1)
        #expect(rejected.count >= 1)
        for answer in rejected {
            #expect(answer.body.value(atPath: "error.code") == "queue_full")
            #expect(Int(answer.response.header("Retry-After") ?? "") ?? 0 >= 1)
        }
    }

    @Test func sigtermDrainsInFlightTasksAndExitsZero() async throws {
        let sidecar = try await SidecarProcess()
        let tasks = (0..<3).map { index in
            Task { try await sidecar.submit(["id": .string("drain-\(index)"), "funcname": "slow", "kwargs": ["seconds": 1.5]]) }
        }
        try await sidecar.waitForAudit { records in records.filter { $0["type"] == "task.started" }.count == 3 }
        let status = try await sidecar.terminate()
        #expect(status == 0)
        for task in tasks {
            let answer = try await task.value
            #expect(answer.status == 200)
        }
        let records = try sidecar.auditRecords()
        #expect(records.filter { $0["type"] == "task.succeeded" }.count == 3)
        let stopped = try #require(records.lastIndex { $0["type"] == "sidecar.stopped" })
        // Nothing but checkpoints after sidecar.stopped.
        #expect(records[(stopped + 1)...].allSatisfy { $0["type"] == "audit.checkpoint" })
        #expect(records.first?["type"] == "sidecar.started")
    }

    @Test func healthReadinessAndMetricsAnswer() async throws {
        let sidecar = try await SidecarProcess()
        #expect(try await sidecar.get("/healthz").status == 200)
        #expect(try await sidecar.get("/readyz").status == 200)
        _ = try await sidecar.submit(["funcname": "echo"])
        _ = try await sidecar.submit(["funcname": "fail"])
        let metrics = try await sidecar.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains(#"beekeeper_tasks_total{bee="tester",funcname="echo",outcome="succeeded"} 1"#))
        #expect(text.contains(#"beekeeper_tasks_total{bee="tester",funcname="fail",outcome="failed"} 1"#))
        #expect(text.contains(#"beekeeper_task_duration_seconds_count{bee="tester",funcname="echo"} 1"#))

        guard let promtool = Requirements.which("promtool") else {
            #expect(!Requirements.isCI, "promtool is required in CI")
            return
        }
        let scrape = sidecar.directory + "/scrape.txt"
        try metrics.body.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: scrape)) }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/bin/sh")
        check.arguments = ["-c", "\(promtool) check metrics < \(scrape)"]
        let pipe = Pipe()
        check.standardOutput = pipe
        check.standardError = pipe
        try check.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "promtool: \(output)")
        #expect(output.isEmpty, "promtool found problems: \(output)")
    }
}
