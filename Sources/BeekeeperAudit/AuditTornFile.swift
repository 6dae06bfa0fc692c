/// The name of a copy of bytes start-up cut from a live segment's torn tail:
/// `<segment>.torn-<offset>`, or `-2`, `-3`… when that name was ever used before, so a copy is
/// never overwritten.
///
/// The copy is the durable "pending" marker of a cut: it is complete, synced and under its
/// final name before the segment is truncated (it is written as `<name>.tmp` first), and it
/// stays pending until the `audit.recovered` record that reports the cut is durable. Then an
/// empty `<name>.recorded` marker is created beside it. The copy keeps its name, which is the
/// record's `removed_bytes_file`. None of these names is a segment name, so `audit verify`
/// and `audit query` never read them.
struct AuditTornFile: Hashable, Sendable {
    static let infix = ".torn-"
    static let recordedSuffix = ".recorded"
    static let temporarySuffix = ".tmp"

    /// File name of the segment the bytes were cut from.
    var segment: String
    /// The first seq the segment's name promises.
    var segmentFirstSeq: UInt64
    /// Where the cut was made: the segment's new size.
    var offset: Int64
    /// 1 for `<segment>.torn-<offset>`, n for `-n`.
    var copy: Int

    var name: String { segment + Self.infix + String(offset) + (copy > 1 ? "-\(copy)" : "") }

    init?(segment: String, offset: Int64, copy: Int) {
        guard let (firstSeq, compressed) = AuditSegments.parse(fileName: segment), !compressed, offset >= 0, copy >= 1
        else { return nil }
        self.segment = segment
        self.segmentFirstSeq = firstSeq
        self.offset = offset
        self.copy = copy
    }

    /// The copy a file name stands for; nil for markers, temporary files and any other name.
    init?(fileName: String) {
        let bytes = Array(fileName.utf8)
        let marker = Array(Self.infix.utf8)
        var start = bytes.count - marker.count
        while start > 0, !bytes[start..<start + marker.count].elementsEqual(marker) { start -= 1 }
        guard start > 0 else { return nil }
        let tail = bytes[(start + marker.count)...].split(separator: UInt8(ascii: "-"), maxSplits: 1, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard let offsetText = tail.first, let offset = Int64(offsetText) else { return nil }
        var copy = 1
        if tail.count == 2 {
            guard let number = Int(tail[1]), number >= 2 else { return nil }
            copy = number
        }
        self.init(segment: String(decoding: bytes[..<start], as: UTF8.self), offset: offset, copy: copy)
        // Only the canonical spelling (no sign, no leading zeros) is one of ours.
        guard name == fileName else { return nil }
    }

    /// Orders copies as the cuts happened: by segment, then offset, then copy number.
    static func precedes(_ a: AuditTornFile, _ b: AuditTornFile) -> Bool {
        (a.segmentFirstSeq, a.segment, a.offset, a.copy) < (b.segmentFirstSeq, b.segment, b.offset, b.copy)
    }
}
