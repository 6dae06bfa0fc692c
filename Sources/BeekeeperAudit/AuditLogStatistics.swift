/// Counters for the `beekeeper_audit_*` metric families.
public struct AuditLogStatistics: Sendable, Equatable {
    /// Records made durable (per the fsync mode), by `type`, including checkpoints.
    public var recordsByType: [String: UInt64] = [:]
    /// fdatasync calls on the live segment; in `batch` mode far fewer than records.
    public var fsyncs: UInt64 = 0
    /// Total time spent in those fdatasync calls.
    public var fsyncTime: Duration = .zero
    /// Failed writes or fsyncs (each failed group counts once).
    public var writeErrors: UInt64 = 0
    /// Segments sealed by rotation.
    public var rotations: UInt64 = 0
    public var lastSeq: UInt64 = 0

    public init() {}

    public var records: UInt64 { recordsByType.values.reduce(0, +) }
}
