import BeekeeperCore
import Curl
import Foundation
import Testing

/// `POST /v1/events` (bees that run themselves) and `POST /v1/guardian/check` (a decision
/// without running anything), against the real binary with the standard configuration.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ReportAndCheckTests {
    func reported(_ sidecar: SidecarProcess) throws -> [JSONValue] {
        try sidecar.auditRecords().filter { $0["type"] == "task.reported" }
    }

    @Test func eventsAreRecordedAsTaskReported() async throws {
        let sidecar = try await SidecarProcess()

        let one: JSONValue = ["task_id": "self-1", "funcname": "echo", "outcome": "succeeded", "duration_ms": 12.5]
        let single = try await sidecar.post("/v1/events", body: one.bytes)
        #expect(single.status == 200)
        let singleBody = try JSONValue.parse(single.body)
        #expect(singleBody["recorded"] == 1)
        let singleSeq = try #require(singleBody["first_seq"]?.intValue)
        #expect(singleBody["last_seq"]?.intValue == singleSeq)

        let many: JSONValue = [
            ["task_id": "self-2", "bee": "tester", "funcname": "echo", "outcome": "failed", "error": "ledger down", "attempt": 2],
            ["task_id": "self-3", "funcname": "validate_revenue", "outcome": "timed_out", "duration_ms": 5000],
        ]
        let batch = try await sidecar.post("/v1/events", body: many.bytes)
        #expect(batch.status == 200)
        let batchBody = try JSONValue.parse(batch.body)
        #expect(batchBody["recorded"] == 2)
        let firstSeq = try #require(batchBody["first_seq"]?.intValue)
        #expect(batchBody["last_seq"]?.intValue == firstSeq + 1)

        let records = try reported(sidecar)
        #expect(records.compactMap { $0["task_id"]?.stringValue } == ["self-1", "self-2", "self-3"])
        #expect(records.compactMap { $0["seq"]?.intValue } == [singleSeq, firstSeq, firstSeq + 1])
        let first = records[0]
        #expect(first["bee"] == "tester")
        #expect(first["funcname"] == "echo")
        #expect(first["outcome"] == "succeeded")
        #expect(first["duration_ms"]?.doubleValue == 12.5)
        #expect(first["actor"] == "ops")
        #expect(records[1]["outcome"] == "failed")
        #expect(records[1]["error"] == "ledger down")
        #expect(records[1]["attempt"] == 2)
        // The bee is the one configured for the funcname when the event does not name it.
        #expect(records[2]["bee"] == "finance")
        #expect(records[2]["outcome"] == "timed_out")
        #expect(records[2]["duration_ms"]?.intValue == 5000)
        #expect(records.allSatisfy { $0["actor"] == "ops" })

        // Reported executions count like run ones.
        let metrics = String(decoding: try await sidecar.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"beekeeper_tasks_total{bee="finance",funcname="validate_revenue",outcome="timed_out"} 1"#))
        #expect(metrics.contains(#"beekeeper_tasks_total{bee="tester",funcname="echo",outcome="failed"} 1"#))

        // One invalid event refuses the whole request, naming its index; nothing is recorded.
        let mixed: JSONValue = [
            ["task_id": "self-4", "funcname": "echo", "outcome": "succeeded"],
            ["task_id": "self-5", "funcname": "echo", "outcome": "exploded"],
        ]
        let invalid = try await sidecar.post("/v1/events", body: mixed.bytes)
        #expect(invalid.status == 400)
        let invalidBody = try JSONValue.parse(invalid.body)
        #expect(invalidBody.value(atPath: "error.code") == "malformed_request")
        #expect(invalidBody.value(atPath: "error.message")?.stringValue?.contains("event 1") == true, "\(invalidBody.serialized())")
        let strangers: JSONValue = [["task_id": "self-6", "bee": "finance", "funcname": "echo", "outcome": "succeeded"]]
        let wrongBee = try await sidecar.post("/v1/events", body: strangers.bytes)
        #expect(wrongBee.status == 400)
        #expect(try JSONValue.parse(wrongBee.body).value(atPath: "error.message")?.stringValue?.contains("event 0") == true)

        // Unsigned: refused and audited as auth.denied, not recorded.
        let unsignedEvent: JSONValue = ["task_id": "self-7", "funcname": "echo", "outcome": "succeeded"]
        let unsigned = try await sidecar.post("/v1/events", body: unsignedEvent.bytes, headers: [("Content-Type", "application/json")])
        #expect(unsigned.status == 401)

        let after = try sidecar.auditRecords()
        #expect(after.filter { $0["type"] == "task.reported" }.count == 3)
        for id in ["self-4", "self-5", "self-6", "self-7"] {
            #expect(!after.contains { $0["task_id"]?.stringValue == id }, "\(id) was recorded")
        }
        #expect(after.contains { $0["type"] == "auth.denied" && $0["path"] == "/v1/events" })
    }

    @Test func guardianCheckDecidesAuditsAndCountsWithoutRunning() async throws {
        let sidecar = try await SidecarProcess()
        let before = try JSONValue.parse(try await sidecar.get("/v1/stats").body)
        let approvedBefore = before.value(atPath: "guardian.approved")?.intValue ?? -1
        let reason = "rule:args.0.data.object.metadata.tier:one_of"

        let harmless: JSONValue = ["id": "chk-1", "funcname": "echo", "args": ["hello"]]
        let approved = try await sidecar.post("/v1/guardian/check", body: harmless.bytes)
        #expect(approved.status == 200)
        #expect(try JSONValue.parse(approved.body)["decision"] == "approved")

        let platinum: JSONValue = [
            "id": "chk-2", "funcname": "validate_revenue",
            "args": [["type": "invoice.paid", "data": ["object": ["amount_paid": 1, "currency": "EUR", "metadata": ["userId": "8d0f7a52-3f6b-4a8e-9c1d-2b5e6f7a8b9c", "tier": "platinum"]]]]],
        ]
        let blocked = try await sidecar.post("/v1/guardian/check", body: platinum.bytes)
        #expect(blocked.status == 200)
        let blockedBody = try JSONValue.parse(blocked.body)
        #expect(blockedBody["decision"] == "blocked")
        #expect(blockedBody["reason"]?.stringValue == reason)

        let approvedRecords = try sidecar.auditRecords(task: "chk-1")
        #expect(approvedRecords.compactMap { $0["type"]?.stringValue } == ["task.approved"], "a check must not run the task")
        #expect(approvedRecords.first?["check_only"] == true)
        #expect(approvedRecords.first?["actor"] == "ops")
        let blockedRecords = try sidecar.auditRecords(task: "chk-2")
        #expect(blockedRecords.compactMap { $0["type"]?.stringValue } == ["task.blocked"])
        #expect(blockedRecords.first?["check_only"] == true)
        #expect(blockedRecords.first?["reason"]?.stringValue == reason)
        #expect(blockedRecords.first?["bee"] == "finance")

        let after = try JSONValue.parse(try await sidecar.get("/v1/stats").body)
        #expect(after.value(atPath: "guardian.approved")?.intValue == approvedBefore + 1)
        #expect(after["guardian"]?["blocked"]?[reason]?.intValue == (before["guardian"]?["blocked"]?[reason]?.intValue ?? 0) + 1)

        // A check is a decision, not a run: the same id can still be submitted as a task.
        #expect(try await sidecar.submit(["id": "chk-1", "funcname": "echo", "args": ["hello"]]).status == 200)
        // And unsigned checks are refused.
        let unsigned = try await sidecar.post("/v1/guardian/check", body: harmless.bytes, headers: [("Content-Type", "application/json")])
        #expect(unsigned.status == 401)
    }
}
