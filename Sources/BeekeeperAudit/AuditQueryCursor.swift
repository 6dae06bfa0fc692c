import BeekeeperCore

/// Reads a query's matches oldest first in batches, keeping its place (segment and reader)
/// between them: what a download streams, in constant memory and without reading any line twice.
/// One owner at a time; each batch is blocking file reading, to be run off the event loops.
public final class AuditQueryCursor: @unchecked Sendable {
    private let matcher: AuditQuery.Matcher
    private var segments: [AuditSegment]
    private var reader: SegmentLineReader?

    public init(query: AuditQuery, directory: String, hmacKey: [UInt8]?) throws(AuditError) {
        matcher = query.matcher(hmacKey: hmacKey)
        segments = try AuditSegments.list(directory: directory, holdingSeqsAfter: query.afterSeq)
    }

    /// Up to `count` matching entries; empty at the end. A live segment's partial last line is
    /// left out (it is still being written).
    public func next(_ count: Int) throws(AuditError) -> [AuditEntry] {
        var batch: [AuditEntry] = []
        while batch.count < count {
            if reader == nil {
                guard !segments.isEmpty else { break }
                reader = try SegmentLineReader.open(segments.removeFirst())
            }
            guard let line = try reader!.next() else {
                reader = nil
                continue
            }
            guard line.terminated, let record = matcher.match(line.bytes) else { continue }
            batch.append(AuditEntry(record, bytes: line.bytes))
        }
        return batch
    }
}
