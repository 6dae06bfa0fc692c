import BeekeeperCore
import Foundation
import Testing

/// kill -9 of the sidecar while it ships (uploads in flight, markers half written), restarted
/// each time: in the end every segment is at the collector exactly once by content.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct ShipperCrashTests {
    @Test func killNineWhileShippingLosesNothingAndDuplicatesNothing() async throws {
        guard ShipperHTTPTests.available() else { return }
        let seed = ProcessInfo.processInfo.environment["BEEKEEPER_CRASH_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max)
        print("ShipperCrashTests: crash schedule seed \(seed) (replay with BEEKEEPER_CRASH_SEED=\(seed))")
        var random = SplitMix64(seed: seed)
        // Uploads that hang for a while widen the window in which a kill lands mid-upload.
        let collector = try CollectorProcess(actions: ["hang", "ok", "ok", "hang", "ok", "hang"], hangSeconds: 1.5)
        var sidecar = try await ShipperHTTPTests.start(target: collector.baseURL + "/audit/", shipper: ["timeout: 5s"])
        let rounds = 6
        for round in 0..<rounds {
            try await ShipperHarness.load(sidecar, batches: 4, tag: "r\(round)")
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...800, using: &random)))
            try await sidecar.kill9()
            if round % 2 == 1 { try collector.enqueue(["hang"]) }
            sidecar = try await SidecarProcess(restarting: sidecar)
        }
        try await ShipperHarness.load(sidecar, batches: 3, tag: "last")
        let state = try await ShipperHarness.waitUntilDrained(sidecar, timeout: .seconds(60))
        try ShipperHarness.expectDelivered(state, auditDir: sidecar.auditDir, collectorDir: collector.root + "/audit")

        let stats = try collector.stats()
        #expect(stats["conflicts"] == 0, "a re-send brought different bytes under a shipped name")
        let objects = (stats["objects"]?.objectValue ?? []).map(\.key).sorted()
        #expect(objects == state.compressed.map { "audit/" + $0 }, "the collector holds other objects than the sealed segments")
        // Re-sends happen (a kill between the collector's answer and the marker); each carried the same bytes.
        var digests: [String: Set<String>] = [:]
        for put in stats["puts"]?.arrayValue ?? [] {
            guard let path = put["path"]?.stringValue, let sha = put["sha256"]?.stringValue else { continue }
            digests[path, default: []].insert(sha)
        }
        #expect(digests.values.allSatisfy { $0.count == 1 }, "\(digests.filter { $0.value.count > 1 })")
        print("ShipperCrashTests: \(state.compressed.count) segments, \(stats["puts"]?.arrayValue?.count ?? 0) PUTs")

        try ShipperHarness.expectVerifies(sidecar, directory: collector.root + "/audit")
        #expect(try await sidecar.terminate() == 0)
        let local = try AuditHarness.cli(sidecar, ["audit", "verify"])
        #expect(local.status == 0, "\(local.output)")
    }
}
