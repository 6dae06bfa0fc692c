public import BeekeeperAudit

/// One sealed, compressed audit segment offered to a target, with the digest of its bytes.
/// The collector stores it as `<target><fileName>`; the digest lets it (and a re-send after a
/// lost acknowledgement) prove the bytes are the same.
public struct Shipment: Sendable, Equatable {
    public var segment: AuditSegment
    /// Lower-case hex SHA-256 of the file's bytes (the `.jsonl.gz` as it lies on disk).
    public var sha256: String

    public init(segment: AuditSegment, sha256: String) {
        self.segment = segment
        self.sha256 = sha256
    }

    /// The object name at the collector, e.g. `audit-0000000000000001.jsonl.gz`.
    public var fileName: String { segment.fileName }
    public var path: String { segment.path }
    public var byteCount: Int64 { segment.byteCount }
}
