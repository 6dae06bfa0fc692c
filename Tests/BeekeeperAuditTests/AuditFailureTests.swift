import BeekeeperCore
import Foundation
import Sodium
import Testing

@testable import BeekeeperAudit

@Suite("Audit log on a failing disk")
struct AuditFailureTests {
    @Test("fail_closed: a failed write throws, leaves no partial record, and the next append retries")
    func failedWrite() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let faults = AuditFaultInjector()
        let log = try await TestSupport.open(directory, faults: faults)
        try await log.append([TestSupport.task("task.received", "a")])
        let live = directory.file("audit-0000000000000001.jsonl")
        let sizeBefore = try TestSupport.size(live)

        faults.failWrites(1, errno: ENOSPC)
        do {
            try await log.append([TestSupport.task("task.started", "a"), TestSupport.task("task.succeeded", "a")])
            Issue.record("append succeeded on a full disk")
        } catch {
            #expect(error.errno == ENOSPC)
        }
        guard case .failing(let reason) = await log.health else {
            Issue.record("health is not failing")
            return
        }
        #expect(reason.contains("No space left"))
        #expect(try TestSupport.size(live) == sizeBefore)  // half the group was written, then cut
        #expect(await log.lastSeq == 1)
        #expect(await log.statistics.writeErrors == 1)

        // The disk has room again: the next append goes through and numbering is unbroken.
        #expect(try await log.append([TestSupport.task("task.started", "a")]) == [2])
        #expect(await log.health == .writable)
        try await log.close()
        let report = try AuditVerifier.verify(paths: [directory.path], publicKey: TestSupport.signingKey.publicKey)
        #expect(report.ok, "\(report)")
        #expect(report.lastSeq == 3)
    }

    @Test("a failed fdatasync is not acknowledged and its records are cut")
    func failedSync() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let faults = AuditFaultInjector()
        let log = try await TestSupport.open(directory, faults: faults)
        try await log.append([TestSupport.task("task.received", "a")])
        let live = directory.file("audit-0000000000000001.jsonl")
        let sizeBefore = try TestSupport.size(live)
        faults.failSyncs(1, errno: EIO)
        await #expect(throws: AuditError.self) { try await log.append([TestSupport.task("task.started", "a")]) }
        #expect(try TestSupport.size(live) == sizeBefore)
        #expect(await log.health != .writable)
        try await log.append([TestSupport.task("task.started", "a")])
        try await log.close()
        #expect(try AuditVerifier.verify(paths: [directory.path], publicKey: nil).ok)
    }

    @Test("while failing, a periodic probe turns the log writable again without any append")
    func probeRecovers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let clock = ManualClock()
        let faults = AuditFaultInjector()
        let log = try await TestSupport.open(directory, options: AuditLogOptions(probeInterval: .seconds(1)), clock: clock, faults: faults)
        faults.failWrites(2, errno: ENOSPC)
        await #expect(throws: AuditError.self) { try await log.append([TestSupport.task("task.received", "a")]) }
        clock.advance(.seconds(2))
        await log.tick()
        try await log.control(.sync)
        #expect(await log.health != .writable)  // the probe met the second fault
        clock.advance(.seconds(2))
        await log.tick()
        try await log.control(.sync)
        #expect(await log.health == .writable)
        #expect(!FileManager.default.fileExists(atPath: directory.file(".audit-probe")))
        try await log.close()
    }

    @Test("fail_closed off: a failed append is dropped, not thrown")
    func failOpen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let faults = AuditFaultInjector()
        let log = try await TestSupport.open(directory, options: AuditLogOptions(failClosed: false), faults: faults)
        faults.failWrites(1, errno: ENOSPC)
        #expect(try await log.append([TestSupport.task("task.received", "a")]) == [])
        #expect(await log.health != .writable)
        #expect(try await log.append([TestSupport.task("task.received", "b")]) == [1])
        try await log.close()
    }
}
