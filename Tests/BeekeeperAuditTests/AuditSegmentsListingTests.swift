import Foundation
import Testing

@testable import BeekeeperAudit

/// `AuditSegments.list(directory:holdingSeqsAfter:)`: a start catching up from a snapshot reads
/// only the segments that can hold later records (issue 14: restarts that stat'ed every segment).
@Suite("AuditSegments listing from a seq")
struct AuditSegmentsListingTests {
    /// Sealed segments starting at 1, 11 and 21 (compressed), and the live one at 31.
    static func directory() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for seq: UInt64 in [1, 11, 21] {
            try TestSupport.write("x", to: directory.file(AuditSegments.fileName(firstSeq: seq, compressed: true)))
        }
        try TestSupport.write("x", to: directory.file(AuditSegments.fileName(firstSeq: 31, compressed: false)))
        return directory
    }

    @Test(
        "only the segment holding the next seq and those after it",
        arguments: [
            (nil, [1, 11, 21, 31]), (0, [1, 11, 21, 31]), (9, [1, 11, 21, 31]), (10, [11, 21, 31]), (15, [11, 21, 31]),
            (20, [21, 31]), (30, [31]), (500, [31]),
        ] as [(UInt64?, [UInt64])])
    func fromSeq(after: UInt64?, expected: [UInt64]) throws {
        let directory = try Self.directory()
        defer { directory.cleanup() }
        let listed = try AuditSegments.list(directory: directory.path, holdingSeqsAfter: after)
        #expect(listed.map(\.firstSeq) == expected)
        #expect(listed.map(\.isCompressed) == expected.map { $0 != 31 })
        #expect(listed.allSatisfy { $0.byteCount == 1 })
    }
}
