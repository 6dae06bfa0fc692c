/// The segment being appended to.
struct LiveSegment: Sendable {
    var fd: Int32
    var path: String
    var firstSeq: UInt64
    /// Bytes of whole records in the file; the next group is written here.
    var size: Int64
    var records: Int
    /// Wall-clock microseconds of the first record, for `rotate_age`.
    var startedAt: Int64?
}
