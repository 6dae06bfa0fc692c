import BeekeeperAudit
import BeekeeperCore
import BeekeeperShipper
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The http(s) target against the fault-injecting collector (a real HTTP server in python3).
@Suite(.enabled(if: Requirements.pythonAvailable, "python3 is not installed"), .timeLimit(.minutes(2)))
struct HTTPShipmentTargetTests {
    let scratch: ScratchDirectory
    let audit: String

    init() throws {
        scratch = try ScratchDirectory()
        audit = try scratch.subdirectory("audit")
    }

    func shipment(seq: UInt64 = 1, size: Int = 300_000) throws -> Shipment {
        let segment = try Fixtures.segment(in: audit, firstSeq: seq, bytes: Fixtures.bytes(size, seed: seq))
        return Shipment(segment: segment, sha256: try Fixtures.sha256(file: segment.path))
    }

    func target(_ collector: Collector, timeout: Duration = .seconds(10)) -> HTTPShipmentTarget {
        HTTPShipmentTarget(baseURL: collector.baseURL + "/audit/", timeout: timeout, logger: Fixtures.logger)
    }

    @Test func aPutDeliversTheBytesWithTheirDigest() async throws {
        let collector = try Collector()
        let shipment = try shipment()
        try await target(collector).ship(shipment)
        #expect(collector.object("audit/" + shipment.fileName) == FileManager.default.contents(atPath: shipment.path).map(Array.init))
        let put = try #require(try collector.stats()["puts"]?.arrayValue?.first)
        #expect(put["status"] == 201)
        #expect(put["sha256"]?.stringValue == shipment.sha256)
        #expect(put["content_type"] == "application/gzip")
        #expect(put["claimed_sha256"]?.stringValue == shipment.sha256)
    }

    @Test("a non-2xx answer is a failure that keeps the status and an excerpt", arguments: [500, 503, 404, 401])
    func errorStatuses(status: Int) async throws {
        let collector = try Collector(actions: ["status:\(status)"])
        let shipment = try shipment()
        do throws(ShipmentError) {
            try await target(collector).ship(shipment)
            Issue.record("HTTP \(status) was taken as an acknowledgement")
        } catch {
            #expect(error == .rejected(status: status, detail: "injected failure \(status)"))
        }
        #expect(collector.object("audit/" + shipment.fileName) == nil)
    }

    @Test func redirectsAreNotFollowed() async throws {
        let collector = try Collector(actions: ["redirect"])
        let shipment = try shipment()
        do throws(ShipmentError) {
            try await target(collector).ship(shipment)
            Issue.record("a redirect was taken as an acknowledgement")
        } catch {
            guard case .rejected(307, let detail) = error else { throw TestFailure("expected a 307 refusal, got \(error)") }
            #expect(detail.contains("http://collector.invalid/audit/") && detail.contains("not followed"), "\(detail)")
        }
        #expect(try collector.actions() == ["redirect"])
    }

    @Test func aCollectorThatHangsTimesOut() async throws {
        let collector = try Collector(actions: ["hang"])
        let shipment = try shipment()
        let start = ContinuousClock.now
        do throws(ShipmentError) {
            try await target(collector, timeout: .milliseconds(800)).ship(shipment)
            Issue.record("a hanging collector acknowledged")
        } catch {
            guard case .transport(let code, _) = error else { throw TestFailure("expected a timeout, got \(error)") }
            #expect(code == 28)
        }
        // Far less than the 30 s the collector hangs for (generous: the machine may be busy).
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test("a dropped connection is a failure", arguments: ["close", "lostack"])
    func droppedConnections(action: String) async throws {
        let collector = try Collector(actions: [action])
        let shipment = try shipment(size: 2 << 20)
        do throws(ShipmentError) {
            try await target(collector).ship(shipment)
            Issue.record("\(action): the shipment was acknowledged")
        } catch {
            guard case .transport = error else { throw TestFailure("expected a transport error, got \(error)") }
        }
        // After a lost acknowledgement the collector has the object; the re-send leaves one, the same.
        #expect((collector.object("audit/" + shipment.fileName) != nil) == (action == "lostack"))
        try await target(collector).ship(shipment)
        #expect(collector.object("audit/" + shipment.fileName) == FileManager.default.contents(atPath: shipment.path).map(Array.init))
        let stats = try collector.stats()
        #expect(stats["conflicts"] == 0)
        #expect(stats["objects"]?.objectValue?.count == 1)
    }

    @Test func aRefusedConnectionIsATransportError() async throws {
        let target = HTTPShipmentTarget(baseURL: "http://127.0.0.1:1/audit/", timeout: .seconds(5), logger: Fixtures.logger)
        let shipment = try shipment()
        do throws(ShipmentError) {
            try await target.ship(shipment)
            Issue.record("nothing listens on port 1, yet it was acknowledged")
        } catch {
            guard case .transport(7, _) = error else { throw TestFailure("expected connection refused, got \(error)") }
        }
    }

    @Test func gracefulShutdownAbandonsAnUploadInFlightUnmarked() async throws {
        let collector = try Collector(actions: ["hang"], hangSeconds: 60)
        let shipment = try shipment()
        let shipper = Shipper(
            directory: audit, target: target(collector, timeout: .seconds(60)), backoff: ShipperBackoff(initial: .seconds(1), maximum: .seconds(1)),
            logger: Fixtures.logger)
        let group = ServiceGroup(configuration: .init(services: [shipper], logger: Fixtures.logger))
        let running = Task { try await group.run() }
        #expect(await eventually(timeout: .seconds(60)) { (try? collector.actions()) == ["hang"] })
        let stopping = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        // The upload would hang 60 s and its timeout is 60 s: stopping well before means it was abandoned.
        #expect(ContinuousClock.now - stopping < .seconds(30), "shutdown waited for the hanging upload")
        #expect(!FileManager.default.fileExists(atPath: shipment.path + ".shipped"))
        #expect(shipper.status.shipped == 0 && shipper.status.failed == 0)
    }
}
