import BeekeeperCore
import Curl
import Foundation
import Testing

/// SPEC section 13: the live audit segment deleted or replaced under a running sidecar is noticed
/// within a second and fails closed, `/readyz` naming it.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct LiveSegmentLossTests {
    func liveSegment(_ sidecar: SidecarProcess) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: sidecar.auditDir).filter { $0.hasPrefix("audit-") && $0.hasSuffix(".jsonl") }
        return sidecar.auditDir + "/" + (try #require(names.sorted().last))
    }

    /// Waits until /readyz answers 503 with an audit reason; returns that reason and how long it took.
    func waitForNotReady(_ sidecar: SidecarProcess) async throws -> (reason: String, after: Duration) {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(10) {
            let response = try await sidecar.get("/readyz")
            if response.status == 503,
               let reason = try JSONValue.parse(response.body)["reasons"]?.arrayValue?.first(where: { $0["component"] == "audit" })?["reason"]?.stringValue {
                return (reason, ContinuousClock.now - start)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("/readyz stayed ready after the live segment was lost")
    }

    @Test(arguments: ["deleted", "replaced"])
    func aLostLiveSegmentFailsClosedWithinASecond(how: String) async throws {
        let sidecar = try await SidecarProcess()
        #expect(try await sidecar.submit(["id": "before", "funcname": "echo", "args": [1]]).status == 200)
        let path = try liveSegment(sidecar)
        if how == "deleted" {
            try FileManager.default.removeItem(atPath: path)
        } else {
            // What a careless edit does: write a new file and rename it over the old one.
            try Data(contentsOf: URL(fileURLWithPath: path)).write(to: URL(fileURLWithPath: path + ".tmp"))
            #expect(rename(path + ".tmp", path) == 0)
        }
        let (reason, after) = try await waitForNotReady(sidecar)
        #expect(reason.contains((path as NSString).lastPathComponent) && reason.contains(how), "\(reason)")
        // One tick is at most a second; the rest is the polling request on a loaded machine.
        #expect(after < .seconds(3))
        let refused = try await sidecar.submit(["id": "after", "funcname": "echo", "args": [1]])
        #expect(refused.status == 503)
        #expect(refused.body.value(atPath: "error.code") == "audit_unavailable")
        // Still failing a while later: nothing quietly turns it writable again.
        try await Task.sleep(for: .milliseconds(1500))
        #expect(try await sidecar.get("/readyz").status == 503)
        #expect(sidecar.log.contains("live audit segment lost"))
    }
}
