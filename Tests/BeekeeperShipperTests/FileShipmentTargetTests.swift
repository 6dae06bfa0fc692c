import BeekeeperAudit
import BeekeeperShipper
import Foundation
import Testing

@Suite struct FileShipmentTargetTests {
    func shipment(_ segment: AuditSegment) throws -> Shipment {
        Shipment(segment: segment, sha256: try Fixtures.sha256(file: segment.path))
    }

    @Test func aFreshCopyArrivesWholeUnderTheSegmentName() async throws {
        let scratch = try ScratchDirectory()
        let audit = try scratch.subdirectory("audit")
        let collector = try scratch.subdirectory("collector")
        let bytes = Fixtures.bytes(3 << 20 + 17, seed: 1)  // several copy chunks and a partial one
        let segment = try Fixtures.segment(in: audit, firstSeq: 1, bytes: bytes)
        let target = FileShipmentTarget(directory: collector + "/", logger: Fixtures.logger)
        #expect(target.kind == "file")
        #expect(target.description == "file://\(collector)/")

        try await target.ship(try shipment(segment))
        #expect(Fixtures.names(in: collector) == [segment.fileName])
        #expect(FileManager.default.contents(atPath: collector + "/" + segment.fileName).map(Array.init) == bytes)
        // The source is untouched: shipping is a copy.
        #expect(FileManager.default.contents(atPath: segment.path).map(Array.init) == bytes)
    }

    @Test func aResendOfTheSameBytesIsAcknowledged() async throws {
        let scratch = try ScratchDirectory()
        let audit = try scratch.subdirectory("audit")
        let collector = try scratch.subdirectory("collector")
        let segment = try Fixtures.segment(in: audit, firstSeq: 42, bytes: Fixtures.bytes(10_000, seed: 2))
        let target = FileShipmentTarget(directory: collector, logger: Fixtures.logger)
        try await target.ship(try shipment(segment))
        let first = try FileManager.default.attributesOfItem(atPath: collector + "/" + segment.fileName)[.modificationDate] as? Date
        // A crash after the copy but before the marker: the same segment comes again.
        try await target.ship(try shipment(segment))
        #expect(Fixtures.names(in: collector) == [segment.fileName])
        let second = try FileManager.default.attributesOfItem(atPath: collector + "/" + segment.fileName)[.modificationDate] as? Date
        #expect(first == second, "the existing object was rewritten")
    }

    @Test func differentBytesUnderTheSameNameAreAConflictAndNeverOverwritten() async throws {
        let scratch = try ScratchDirectory()
        let audit = try scratch.subdirectory("audit")
        let collector = try scratch.subdirectory("collector")
        let segment = try Fixtures.segment(in: audit, firstSeq: 7, bytes: Fixtures.bytes(5000, seed: 3))
        let theirs = Fixtures.bytes(5000, seed: 4)
        try Data(theirs).write(to: URL(fileURLWithPath: collector + "/" + segment.fileName))
        let target = FileShipmentTarget(directory: collector, logger: Fixtures.logger)
        let ours = try shipment(segment)
        do throws(ShipmentError) {
            try await target.ship(ours)
            Issue.record("a conflicting object was accepted")
        } catch {
            guard case .conflict(let object, let existing, let local) = error else {
                Issue.record("expected a conflict, got \(error)")
                return
            }
            #expect(object == collector + "/" + segment.fileName)
            #expect(existing == Fixtures.sha256(theirs))
            #expect(local == ours.sha256)
            #expect(error.description.contains("refusing to overwrite"))
        }
        #expect(FileManager.default.contents(atPath: collector + "/" + segment.fileName).map(Array.init) == theirs)
        #expect(Fixtures.names(in: collector) == [segment.fileName], "a temporary file was left behind")
    }

    @Test func aStaleTemporaryFileFromACrashIsReplacedAndNeverPublishedAsIs() async throws {
        let scratch = try ScratchDirectory()
        let audit = try scratch.subdirectory("audit")
        let collector = try scratch.subdirectory("collector")
        let bytes = Fixtures.bytes(200_000, seed: 5)
        let segment = try Fixtures.segment(in: audit, firstSeq: 3, bytes: bytes)
        // A copy torn by a crash: a prefix of the bytes under the temporary name.
        let temporary = collector + "/." + segment.fileName + ".tmp"
        try Data(bytes.prefix(1000)).write(to: URL(fileURLWithPath: temporary))
        try await FileShipmentTarget(directory: collector, logger: Fixtures.logger).ship(try shipment(segment))
        #expect(Fixtures.names(in: collector) == [segment.fileName])
        #expect(FileManager.default.contents(atPath: collector + "/" + segment.fileName).map(Array.init) == bytes)
    }

    @Test func aMissingTargetDirectoryIsAnErrorNotCreated() async throws {
        let scratch = try ScratchDirectory()
        let audit = try scratch.subdirectory("audit")
        let segment = try Fixtures.segment(in: audit, firstSeq: 1, bytes: [1, 2, 3])
        let missing = scratch.path + "/not-mounted"
        await #expect(throws: ShipmentError.self) {
            try await FileShipmentTarget(directory: missing, logger: Fixtures.logger).ship(try shipment(segment))
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func bytesThatChangedSinceHashingAreRefused() async throws {
        let scratch = try ScratchDirectory()
        let audit = try scratch.subdirectory("audit")
        let collector = try scratch.subdirectory("collector")
        let segment = try Fixtures.segment(in: audit, firstSeq: 1, bytes: Fixtures.bytes(1000, seed: 6))
        let stale = Shipment(segment: segment, sha256: Fixtures.sha256(Fixtures.bytes(1000, seed: 7)))
        do throws(ShipmentError) {
            try await FileShipmentTarget(directory: collector, logger: Fixtures.logger).ship(stale)
            Issue.record("a copy that does not match its digest was published")
        } catch {
            #expect(error == .changedWhileShipping(path: segment.path))
        }
        #expect(Fixtures.names(in: collector).isEmpty)
    }

    @Test func targetsAreChosenByScheme() throws {
        let file = try ShipmentTargets.make(url: "file:///var/lib/my%20audit/", timeout: .seconds(1), environment: [:], logger: Fixtures.logger)
        #expect((file as? FileShipmentTarget)?.directory == "/var/lib/my audit")
        let localhost = try ShipmentTargets.make(url: "file://localhost/srv/audit/", timeout: .seconds(1), environment: [:], logger: Fixtures.logger)
        #expect((localhost as? FileShipmentTarget)?.directory == "/srv/audit")
        let http = try ShipmentTargets.make(url: "https://user:secret@collector.example/audit/", timeout: .seconds(5), environment: [:], logger: Fixtures.logger)
        #expect(http.kind == "https")
        #expect(!http.description.contains("secret"))
        #expect(throws: ShipperConfigurationError.self) {
            try ShipmentTargets.make(url: "ftp://host/dir/", timeout: .seconds(1), environment: [:], logger: Fixtures.logger)
        }
        #expect(throws: ShipperConfigurationError.self) {
            try ShipmentTargets.make(url: "file:///bad%zzescape/", timeout: .seconds(1), environment: [:], logger: Fixtures.logger)
        }
    }
}
