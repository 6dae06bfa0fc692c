import BeekeeperCore
import Foundation
import Testing

/// The file:// and s3:// targets end to end, `audit.keep_shipped`, and start-up refusing an
/// s3:// target without credentials.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ShipperTargetTests {
    @Test func fileTargetCopiesEverySegmentDurablyAndVerifies() async throws {
        let scratch = NSTemporaryDirectory() + "beekeeper-filetarget-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: scratch + "/audit copies", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let collectorDir = scratch + "/audit copies"
        let sidecar = try await ShipperHTTPTests.start(target: "file://\(scratch)/audit%20copies/")
        try await ShipperHarness.load(sidecar, batches: 10, tag: "file")
        let state = try await ShipperHarness.waitUntilDrained(sidecar)
        try ShipperHarness.expectDelivered(state, auditDir: sidecar.auditDir, collectorDir: collectorDir)
        // Only the segments: no temporary copy is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: collectorDir).sorted() == state.compressed)
        let ready = try await ShipperHarness.readiness(sidecar)
        #expect(ready.shipper["kind"] == "file")
        #expect(ready.shipper["target"]?.stringValue == "file://\(collectorDir)/")
        try ShipperHarness.expectVerifies(sidecar, directory: collectorDir)
        #expect(try await sidecar.terminate() == 0)
    }

    @Test func s3TargetSignsEveryPutObjectWithSigV4() async throws {
        guard ShipperHTTPTests.available() else { return }
        let collector: CollectorProcess
        do {
            collector = try CollectorProcess(sigv4: (accessKey: "AKIDBEEKEEPER", secret: "integration/secret+key"))
        } catch {
            // The collector imports botocore in SigV4 mode before it listens.
            if Requirements.isCI { throw error }
            print("skipping: the SigV4 collector needs botocore: \(error)")
            return
        }
        let environment = [
            "AWS_ACCESS_KEY_ID": "AKIDBEEKEEPER", "AWS_SECRET_ACCESS_KEY": "integration/secret+key", "AWS_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL": collector.baseURL,
        ]
        let sidecar = try await SidecarProcess(
            config: { keyHex, dataDir in ShipperHarness.config(keyHex: keyHex, dataDir: dataDir, target: "s3://audit-bucket/beekeeper/") },
            environment: environment)
        try await ShipperHarness.load(sidecar, batches: 10, tag: "s3")
        let state = try await ShipperHarness.waitUntilDrained(sidecar)
        let objects = collector.root + "/audit-bucket/beekeeper"
        try ShipperHarness.expectDelivered(state, auditDir: sidecar.auditDir, collectorDir: objects)
        let stats = try collector.stats()
        #expect(stats["auth_failures"] == 0)
        #expect((stats["puts"]?.arrayValue ?? []).allSatisfy { $0["status"] == 201 })
        let ready = try await ShipperHarness.readiness(sidecar)
        #expect(ready.shipper["kind"] == "s3")
        #expect(ready.shipper["target"]?.stringValue == "s3://audit-bucket/beekeeper/ via \(collector.baseURL)")
        try ShipperHarness.expectVerifies(sidecar, directory: objects)
        #expect(try await sidecar.terminate() == 0)
    }

    @Test func anS3TargetWithoutCredentialsIsAConfigurationErrorAtStart() throws {
        let scratch = NSTemporaryDirectory() + "beekeeper-s3creds-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let configPath = scratch + "/beekeeper.yaml"
        try "data_dir: \(scratch)/data\nlisten: 127.0.0.1:0\nshipper:\n  target: s3://audit-bucket/x/\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") && !$0.key.hasPrefix("AWS_") }
        for command in [["serve"], ["config", "check"]] {
            let result = try Program.run(SidecarProcess.binary, command + ["--config", configPath], directory: scratch, environment: environment)
            #expect(result.status == 2, "\(command): \(result.output)")
            #expect(
                result.stderr.contains("\(configPath): shipper.target: an s3:// target needs credentials in the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set"),
                "\(command): \(result.output)")
        }
        #expect(!FileManager.default.fileExists(atPath: scratch + "/data/audit"), "serve got as far as opening the audit log")
        let badEndpoint = try Program.run(
            SidecarProcess.binary, ["config", "check", "--config", configPath], directory: scratch,
            environment: environment.merging(["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_ENDPOINT_URL": "minio:9000"]) { $1 })
        #expect(badEndpoint.status == 2)
        #expect(badEndpoint.stderr.contains("AWS_ENDPOINT_URL: expected an http:// or https:// URL"), "\(badEndpoint.output)")
    }

    @Test func keepShippedRemovesShippedSegmentsAndNeverUnshippedOnes() async throws {
        guard ShipperHTTPTests.available() else { return }
        let port = try ShipperHarness.freePort()
        let sidecar = try await ShipperHTTPTests.start(target: "http://127.0.0.1:\(port)/audit/", audit: ["keep_shipped: 1s"])
        try await ShipperHarness.load(sidecar, batches: 10, tag: "keep")
        #expect(try await ShipperHarness.eventually { try ShipperHarness.localState(sidecar.auditDir).compressed.count >= 3 })
        let unshipped = try ShipperHarness.localState(sidecar.auditDir)
        var digests: [String: String] = [:]
        for name in unshipped.compressed { digests[name] = try ShipperHarness.sha256(file: sidecar.auditDir + "/" + name) }
        // Well past keep_shipped and several retention sweeps: nothing unshipped goes.
        try await Task.sleep(for: .seconds(3))
        let waited = try ShipperHarness.localState(sidecar.auditDir)
        #expect(Set(unshipped.compressed).isSubset(of: Set(waited.compressed)), "an unshipped segment was deleted")
        #expect(waited.shipped.isEmpty)

        let collector = try CollectorProcess(port: port)
        // Shipped, then removed after 1 s, except the newest sealed segment (the live one's chain continues from it).
        var state = try ShipperHarness.localState(sidecar.auditDir)
        #expect(try await ShipperHarness.eventually(timeout: .seconds(30)) {
            state = try ShipperHarness.localState(sidecar.auditDir)
            let delivered = Set(try collector.order(under: "audit/"))
            // The sweep unlinks a segment, then its marker: wait for both, not between the two.
            return state.backlog.isEmpty && state.compressed.count == 1 && state.plain.count == 1
                && state.shipped == Set(state.compressed) && Set(unshipped.compressed).isSubset(of: delivered)
        }, "\(state)")
        for (name, digest) in digests {
            #expect(!FileManager.default.fileExists(atPath: sidecar.auditDir + "/" + name + ".shipped") || name == state.compressed.last)
            #expect(try ShipperHarness.sha256(file: collector.root + "/audit/" + name) == digest, "\(name) differs at the collector")
        }
        // The sweep logs after its unlinks, so the line may trail the files it names by a moment.
        #expect(try await ShipperHarness.eventually { sidecar.log.contains("removed shipped audit segment past keep_shipped") })
        // The collector has the whole chain; the data directory verifies from where it now starts.
        try ShipperHarness.expectVerifies(sidecar, directory: collector.root + "/audit")
        let local = try AuditHarness.cli(sidecar, ["audit", "verify"])
        #expect(local.status == 0, "\(local.output)")
        #expect(try await sidecar.terminate() == 0)
    }
}
