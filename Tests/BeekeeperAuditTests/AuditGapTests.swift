import BeekeeperCore
import Foundation
import Testing

@testable import BeekeeperAudit

/// SPEC section 13: records lost between runs are noticed at start against the remembered
/// position; accepting the gap writes `audit.gap`, which `audit verify` reports.
@Suite("Audit gaps")
struct AuditGapUnitTests {
    @Test("a deleted live segment refuses the start, the accepted gap is recorded and verify reports it")
    func deletedLiveSegment() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var options = TestSupport.quietOptions
        options.positionFile = directory.file("position.json")
        var log = try await TestSupport.open(directory, options: options)
        try await log.append([TestSupport.task("task.received", "a"), TestSupport.task("task.succeeded", "a")])
        try await log.close()  // seq 3: the closing checkpoint
        for name in try directory.segmentNames() { try FileManager.default.removeItem(atPath: directory.file(name)) }

        await #expect(throws: AuditError.gap(missingFrom: 1, missingTo: 3, positionFile: options.positionFile!)) {
            _ = try await TestSupport.open(directory, options: options)
        }

        options.acceptGap = true
        log = try await TestSupport.open(directory, options: options)
        #expect(await log.lastSeq == 1)
        try await log.append([TestSupport.task("task.received", "b")])
        try await log.close()
        let lines = try TestSupport.allLines(directory)
        let gap = try TestSupport.parse(lines[0])
        #expect(gap["type"] == "audit.gap" && gap["seq"]?.intValue == 1)
        #expect(gap["missing_from"]?.intValue == 1 && gap["missing_to"]?.intValue == 3)

        let report = try AuditVerifier.verify(paths: [directory.path], publicKey: nil)
        #expect(report.fault?.kind == .auditGap)
        #expect(report.fault?.line == 1)
        #expect(report.description.contains("audit-0000000000000001.jsonl:1: audit gap: records seq 1-3 are missing"), "\(report)")

        // Accepted once: the position moved on, a plain start goes on from the new chain.
        options.acceptGap = false
        log = try await TestSupport.open(directory, options: options)
        #expect(await log.lastSeq == 3)
        try await log.close()
    }
}
