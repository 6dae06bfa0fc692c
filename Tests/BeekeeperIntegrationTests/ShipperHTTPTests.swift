import BeekeeperCore
import Foundation
import Testing

/// SPEC section 9 over HTTP, against the real binary: a real nginx as the collector, then the
/// fault-injecting Python collector for an outage, error statuses, a hang and a lost acknowledgement.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ShipperHTTPTests {
    /// nginx and python3 are required in CI; elsewhere the tests skip without them.
    static func available(nginx: Bool = false) -> Bool {
        var missing: [String] = []
        if nginx, NginxCollector.binary == nil { missing.append("nginx") }
        if Requirements.which("python3") == nil { missing.append("python3") }
        guard !missing.isEmpty else { return true }
        if Requirements.isCI { Issue.record("\(missing.joined(separator: " and ")) required in CI") } else { print("skipping: \(missing) not installed") }
        return false
    }

    static func start(target: String, audit: [String] = [], shipper: [String] = []) async throws -> SidecarProcess {
        try await SidecarProcess(config: { keyHex, dataDir in
            ShipperHarness.config(keyHex: keyHex, dataDir: dataDir, target: target, audit: audit, shipper: shipper)
        })
    }

    @Test func everySealedSegmentArrivesAtNginxByteForByte() async throws {
        guard Self.available(nginx: true) else { return }
        let nginx = try await NginxCollector()
        let sidecar = try await Self.start(target: "http://127.0.0.1:\(nginx.port)/audit/")
        try await ShipperHarness.load(sidecar, batches: 15, tag: "nginx")
        let state = try await ShipperHarness.waitUntilDrained(sidecar)
        #expect(state.compressed.count >= 4, "\(state)")
        let delivered = try ShipperHarness.expectDelivered(state, auditDir: sidecar.auditDir, collectorDir: nginx.root + "/audit")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: nginx.root + "/audit")) == Set(state.compressed))
        #expect(nginx.puts().map(\.status) == Array(repeating: 201, count: delivered), "\(nginx.puts())")

        let metrics = try await ShipperHarness.metrics(sidecar)
        #expect(ShipperHarness.metric(metrics, "beekeeper_shipper_segments_total", "result=\"shipped\"") == Double(delivered))
        #expect(ShipperHarness.metric(metrics, "beekeeper_shipper_segments_total", "result=\"failed\"") == 0)
        #expect(ShipperHarness.metric(metrics, "beekeeper_shipper_backlog_segments") == 0)
        #expect(ShipperHarness.metric(metrics, "beekeeper_shipper_backlog_bytes") == 0)
        let lastSuccess = try #require(ShipperHarness.metric(metrics, "beekeeper_shipper_last_success_timestamp_seconds"))
        #expect(abs(lastSuccess - Date().timeIntervalSince1970) < 60)

        let ready = try await ShipperHarness.readiness(sidecar)
        #expect(ready.status == 200)
        #expect(ready.shipper["kind"] == "http")
        #expect(ready.shipper["backlog_segments"] == 0)
        #expect(ready.shipper["shipped"]?.intValue == delivered)
        #expect(ready.shipper["consecutive_failures"] == 0)
        #expect(ready.shipper["last_success_at"]?.stringValue != nil)

        // The log says what reached the collector, with the digest of each segment.
        let records = try sidecar.queryAudit(type: "segment.shipped")
        #expect(records.compactMap { $0["segment"]?.stringValue } == state.compressed)
        for record in records {
            let name = try #require(record["segment"]?.stringValue)
            #expect(record["sha256"]?.stringValue == (try ShipperHarness.sha256(file: sidecar.auditDir + "/" + name)))
            #expect(record["target"]?.stringValue == "http://127.0.0.1:\(nginx.port)/audit/")
        }
        // The auditor's use case: the collector's copy verifies as one chain from seq 1.
        try ShipperHarness.expectVerifies(sidecar, directory: nginx.root + "/audit")
        #expect(try await sidecar.terminate() == 0)
    }

    @Test func aCollectorDownAtStartLeavesABacklogThatDrainsInOrderOnceItIsUp() async throws {
        guard Self.available() else { return }
        let port = try ShipperHarness.freePort()
        let sidecar = try await Self.start(target: "http://127.0.0.1:\(port)/audit/", shipper: ["max_backoff: 300ms"])
        try await ShipperHarness.load(sidecar, batches: 12, tag: "down")  // every batch answered 200
        #expect(try await ShipperHarness.eventually {
            (ShipperHarness.metric(try await ShipperHarness.metrics(sidecar), "beekeeper_shipper_backlog_segments") ?? 0) >= 3
        })
        let before = try ShipperHarness.localState(sidecar.auditDir)
        #expect(before.shipped.isEmpty)
        let metrics = try await ShipperHarness.metrics(sidecar)
        #expect((ShipperHarness.metric(metrics, "beekeeper_shipper_segments_total", "result=\"failed\"") ?? 0) > 0)
        #expect(ShipperHarness.metric(metrics, "beekeeper_shipper_segments_total", "result=\"shipped\"") == 0)
        #expect((ShipperHarness.metric(metrics, "beekeeper_shipper_backlog_bytes") ?? 0) > 0)
        #expect(ShipperHarness.metric(metrics, "beekeeper_shipper_last_success_timestamp_seconds") == 0)

        // Still ready: bees keep working while the collector is down; the detail says why it grows.
        let ready = try await ShipperHarness.readiness(sidecar)
        #expect(ready.status == 200)
        #expect((ready.shipper["backlog_segments"]?.intValue ?? 0) >= 3)
        #expect((ready.shipper["consecutive_failures"]?.intValue ?? 0) >= 1)
        #expect(ready.shipper["last_error"]?.stringValue?.contains("curl error 7") == true, "\(ready.shipper.serialized())")
        #expect(ready.shipper["last_success_at"] == .null)
        #expect(ready.shipper["oldest_unshipped"]?.stringValue == before.compressed.first)
        #expect(try await sidecar.submit(["funcname": "echo", "args": ["still working"]]).status == 200)

        let collector = try CollectorProcess(port: port)
        let state = try await ShipperHarness.waitUntilDrained(sidecar)
        try ShipperHarness.expectDelivered(state, auditDir: sidecar.auditDir, collectorDir: collector.root + "/audit")
        #expect(try collector.order(under: "audit/") == state.compressed, "not delivered oldest first")
        #expect(Set(before.compressed).isSubset(of: Set(state.compressed)), "a segment of the backlog vanished")
        let after = try await ShipperHarness.readiness(sidecar)
        #expect(after.shipper["backlog_segments"] == 0)
        #expect(after.shipper["consecutive_failures"] == 0)
        #expect(try await sidecar.terminate() == 0)
    }

    @Test func errorStatusesAndAHangPastTheTimeoutAreRetriedUntilShipped() async throws {
        guard Self.available() else { return }
        let collector = try CollectorProcess(actions: ["status:500", "status:503", "hang", "status:500"], hangSeconds: 8)
        let sidecar = try await Self.start(target: collector.baseURL + "/audit/", shipper: ["timeout: 1s"])
        try await ShipperHarness.load(sidecar, batches: 10, tag: "faults")
        let state = try await ShipperHarness.waitUntilDrained(sidecar)
        try ShipperHarness.expectDelivered(state, auditDir: sidecar.auditDir, collectorDir: collector.root + "/audit")
        #expect(try collector.order(under: "audit/") == state.compressed)
        let stats = try collector.stats()
        let actions = (stats["puts"]?.arrayValue ?? []).compactMap { $0["action"]?.stringValue }
        #expect(Array(actions.prefix(5)) == ["status:500", "status:503", "hang", "status:500", "ok"])
        #expect(stats["conflicts"] == 0)

        let metrics = try await ShipperHarness.metrics(sidecar)
        #expect(ShipperHarness.metric(metrics, "beekeeper_shipper_segments_total", "result=\"failed\"") == 4)
        #expect(ShipperHarness.metric(metrics, "beekeeper_shipper_segments_total", "result=\"shipped\"") == Double(state.compressed.count))
        let ready = try await ShipperHarness.readiness(sidecar)
        #expect(ready.shipper["failed"] == 4)
        #expect(ready.shipper["consecutive_failures"] == 0)
        #expect(ready.shipper["last_error"]?.stringValue?.contains("HTTP 500: injected failure 500") == true, "\(ready.shipper.serialized())")
        #expect(sidecar.log.contains("curl error 28"), "the hang did not time out")
        #expect(try await sidecar.terminate() == 0)
    }

    @Test func aLostAcknowledgementIsResentAndLeavesOneIdenticalObject() async throws {
        guard Self.available() else { return }
        let collector = try CollectorProcess(actions: ["lostack", "ok", "lostack"])
        let sidecar = try await Self.start(target: collector.baseURL + "/audit/")
        try await ShipperHarness.load(sidecar, batches: 10, tag: "lostack")
        let state = try await ShipperHarness.waitUntilDrained(sidecar)
        try ShipperHarness.expectDelivered(state, auditDir: sidecar.auditDir, collectorDir: collector.root + "/audit")
        let stats = try collector.stats()
        #expect(stats["conflicts"] == 0)
        #expect(stats["sha_mismatches"] == 0)
        #expect(stats["objects"]?.objectValue?.map(\.key).sorted() == state.compressed.map { "audit/" + $0 })
        // The first segment went twice (stored, acknowledgement lost, sent again), the same bytes both times.
        let puts = stats["puts"]?.arrayValue ?? []
        let first = "/audit/" + state.compressed[0]
        let firstPuts = puts.filter { $0["path"]?.stringValue == first }
        #expect(firstPuts.compactMap { $0["action"]?.stringValue } == ["lostack", "ok"])
        #expect(Set(firstPuts.compactMap { $0["sha256"]?.stringValue }).count == 1)
        #expect(firstPuts.last?["status"] == 200, "the re-send did not find the object already stored")
        let metrics = try await ShipperHarness.metrics(sidecar)
        #expect(ShipperHarness.metric(metrics, "beekeeper_shipper_segments_total", "result=\"failed\"") == 2)
        #expect(try await sidecar.terminate() == 0)
    }
}
