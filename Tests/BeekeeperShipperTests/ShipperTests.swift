import BeekeeperAudit
import BeekeeperShipper
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Records what the shipper reports, in order.
final class RecordingObserver: ShipperObserver {
    private let events = Mutex<[String]>([])

    func shipped(_ shipment: Shipment, duration: Duration) async {
        events.withLock { $0.append("shipped \(shipment.segment.firstSeq)") }
    }

    func failed(_ segment: AuditSegment, error: ShipmentError, consecutiveFailures: Int) async {
        events.withLock { $0.append("failed \(segment.firstSeq) #\(consecutiveFailures)") }
    }

    var all: [String] { events.withLock { $0 } }
    var shipped: [String] { all.filter { $0.hasPrefix("shipped") } }
}

/// Polls until `condition` holds; false after `timeout`.
func eventually(timeout: Duration = .seconds(10), _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
}

@Suite struct ShipperTests {
    @Test func shipsReadySegmentsOldestFirstAndMarksEach() async throws {
        let scratch = try ScratchDirectory()
        let audit = try scratch.subdirectory("audit")
        let collector = try scratch.subdirectory("collector")
        // Created out of order; the live segment and one already shipped must not go.
        let late = try Fixtures.segment(in: audit, firstSeq: 120, bytes: Fixtures.bytes(3000, seed: 3))
        let first = try Fixtures.segment(in: audit, firstSeq: 1, bytes: Fixtures.bytes(3000, seed: 1))
        let middle = try Fixtures.segment(in: audit, firstSeq: 50, bytes: Fixtures.bytes(3000, seed: 2))
        let earlier = try Fixtures.segment(in: audit, firstSeq: 0, bytes: Fixtures.bytes(10, seed: 9))
        try AuditSegments.markShipped(earlier)
        try Data("{\"seq\":200}\n".utf8).write(to: URL(fileURLWithPath: audit + "/" + AuditSegments.fileName(firstSeq: 200, compressed: false)))

        let observer = RecordingObserver()
        let shipper = Shipper(
            directory: audit, target: FileShipmentTarget(directory: collector, logger: Fixtures.logger),
            backoff: ShipperBackoff(initial: .milliseconds(10), maximum: .milliseconds(20)), observer: observer, logger: Fixtures.logger)
        await shipper.shipReady()

        #expect(observer.all == ["shipped 1", "shipped 50", "shipped 120"])
        #expect(Fixtures.names(in: collector) == [first, middle, late].map(\.fileName))
        for segment in [first, middle, late] {
            #expect(try Fixtures.sha256(file: collector + "/" + segment.fileName) == Fixtures.sha256(file: segment.path))
            #expect(FileManager.default.fileExists(atPath: segment.path + ".shipped"), "no marker for \(segment.fileName)")
        }
        #expect(try AuditSegments.readyToShip(directory: audit).isEmpty)
        let status = shipper.status
        #expect(status.shipped == 3 && status.failed == 0 && status.consecutiveFailures == 0)
        #expect(status.lastShipped == late.fileName)
        #expect(status.lastSuccessAt != nil)
        #expect(status.targetKind == "file")
    }

    @Test func aFailingSegmentIsRetriedAndBlocksYoungerOnesUntilItGoes() async throws {
        let scratch = try ScratchDirectory()
        let audit = try scratch.subdirectory("audit")
        let collector = try scratch.subdirectory("collector")
        let segments = try [1, 50, 120].map { try Fixtures.segment(in: audit, firstSeq: UInt64($0), bytes: Fixtures.bytes(2000, seed: UInt64($0))) }
        // Another directory's segment 50 is in the way.
        let blocker = collector + "/" + segments[1].fileName
        try Data(Fixtures.bytes(2000, seed: 999)).write(to: URL(fileURLWithPath: blocker))

        let observer = RecordingObserver()
        let shipper = Shipper(
            directory: audit, target: FileShipmentTarget(directory: collector, logger: Fixtures.logger),
            backoff: ShipperBackoff(initial: .milliseconds(10), maximum: .milliseconds(40)), pollInterval: .milliseconds(50),
            observer: observer, logger: Fixtures.logger)
        let group = ServiceGroup(configuration: .init(services: [shipper], logger: Fixtures.logger))
        let running = Task { try await group.run() }

        #expect(await eventually(timeout: .seconds(60)) { shipper.status.consecutiveFailures >= 3 })
        let failing = shipper.status
        #expect(failing.lastError?.contains("different content") == true, "\(failing.lastError ?? "nil")")
        #expect(failing.retryAt != nil)
        #expect(FileManager.default.fileExists(atPath: segments[0].path + ".shipped"))
        #expect(!FileManager.default.fileExists(atPath: segments[1].path + ".shipped"))
        #expect(!FileManager.default.fileExists(atPath: segments[2].path + ".shipped"))
        #expect(!FileManager.default.fileExists(atPath: collector + "/" + segments[2].fileName), "a younger segment overtook the failing one")
        #expect(observer.shipped == ["shipped 1"])

        // The operator moves the stranger away: the retry succeeds and the rest follows, in order.
        try FileManager.default.removeItem(atPath: blocker)
        #expect(await eventually(timeout: .seconds(60)) { shipper.status.shipped == 3 })
        #expect(observer.shipped == ["shipped 1", "shipped 50", "shipped 120"])
        #expect(observer.all.contains("failed 50 #1") && observer.all.contains("failed 50 #3"))
        let recovered = shipper.status
        #expect(recovered.consecutiveFailures == 0)
        #expect(recovered.failed >= 3)
        #expect(recovered.retryAt == nil)

        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test func aNudgeShipsWithoutWaitingForThePoll() async throws {
        let scratch = try ScratchDirectory()
        let audit = try scratch.subdirectory("audit")
        let collector = try scratch.subdirectory("collector")
        let shipper = Shipper(
            directory: audit, target: FileShipmentTarget(directory: collector, logger: Fixtures.logger),
            backoff: ShipperBackoff(initial: .seconds(1), maximum: .seconds(1)), pollInterval: .seconds(3600), logger: Fixtures.logger)
        let group = ServiceGroup(configuration: .init(services: [shipper], logger: Fixtures.logger))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(100))  // the first scan found nothing
        let segment = try Fixtures.segment(in: audit, firstSeq: 9, bytes: Fixtures.bytes(100, seed: 9))
        shipper.nudge()
        // The poll is an hour away: only the nudge can have started this scan.
        #expect(await eventually(timeout: .seconds(60)) { FileManager.default.fileExists(atPath: segment.path + ".shipped") })

        await group.triggerGracefulShutdown()
        try await running.value
        #expect(shipper.status.shipped == 1)
    }
}
