/// One segment file of an audit directory.
public struct AuditSegment: Sendable, Equatable {
    /// The seq of the segment's first record, from its name `audit-<16 digits>.jsonl[.gz]`.
    public var firstSeq: UInt64
    public var path: String
    /// true for a sealed, compressed segment (`.jsonl.gz`).
    public var isCompressed: Bool
    /// true when a `<name>.shipped` marker says the shipper delivered it.
    public var isShipped: Bool
    public var byteCount: Int64

    public init(firstSeq: UInt64, path: String, isCompressed: Bool, isShipped: Bool, byteCount: Int64) {
        self.firstSeq = firstSeq
        self.path = path
        self.isCompressed = isCompressed
        self.isShipped = isShipped
        self.byteCount = byteCount
    }

    /// The file name, e.g. `audit-0000000000000001.jsonl.gz` (what the shipper uploads as).
    public var fileName: String { POSIX.fileName(of: path) }
}
