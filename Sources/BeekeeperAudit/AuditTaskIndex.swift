#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which sealed segments may hold a task: one Bloom filter of task ids per sealed segment, kept
/// in `directory` (under `state/`), built the first time a lookup needs it and rebuilt whenever
/// missing. A sealed segment never changes, so its filter is keyed by its name and size. Plain
/// segments (the live one, or one waiting for compression) are always searched.
///
/// 10 bits and 7 hashes per id: about 1% of segments without the task are read anyway, and a
/// filter takes 1.25 bytes per task id (about 80 KB for a 64 MiB segment), one in memory at a time.
public struct AuditTaskIndex: Sendable {
    public let directory: String
    static let magic = Array("BKTIDX01".utf8)
    static let hashes = 7

    public init(directory: String) {
        self.directory = directory
    }

    /// `segments` less the sealed ones whose filter rules the task out.
    public func candidates(taskID: String, in segments: [AuditSegment]) throws(AuditError) -> [AuditSegment] {
        let key = Self.key(AuditQuery.taskNeedle(taskID))
        var result: [AuditSegment] = []
        for segment in segments {
            guard segment.isCompressed else {
                result.append(segment)
                continue
            }
            if try filter(for: segment).mayContain(key) { result.append(segment) }
        }
        return result
    }

    /// Builds the filters of every sealed segment that has none yet (e.g. at start).
    public func build(segments: [AuditSegment]) throws(AuditError) {
        for segment in segments where segment.isCompressed { _ = try filter(for: segment) }
    }

    func path(for segment: AuditSegment) -> String {
        POSIX.join(directory, "\(segment.fileName).\(segment.byteCount).tasks")
    }

    func filter(for segment: AuditSegment) throws(AuditError) -> Bloom {
        let path = path(for: segment)
        if POSIX.stat(path) != nil, let bloom = Bloom(file: try POSIX.readFile(path)) { return bloom }
        let bloom = try Self.scan(segment)
        store(bloom, at: path)
        return bloom
    }

    /// Written to a temporary name and renamed: a reader never sees half a filter. Not fsynced:
    /// a filter lost in a crash is rebuilt. A directory that cannot be written (a read-only
    /// archive's state) only costs the scan again next time.
    private func store(_ bloom: Bloom, at path: String) {
        let temporary = path + ".tmp"
        guard (try? POSIX.makeDirectories(directory)) != nil, let fd = try? POSIX.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o640)
        else { return }
        let written = (try? POSIX.writeAll(fd, bloom.bytes, path: temporary)) != nil
        POSIX.close(fd)
        if !written || (try? POSIX.rename(temporary, path)) == nil { try? POSIX.unlink(temporary) }
    }

    /// One pass over a segment: the `"task_id":"…"` bytes of every line that has them.
    static func scan(_ segment: AuditSegment) throws(AuditError) -> Bloom {
        let marker = Array("\"task_id\":\"".utf8)
        var keys: [UInt64] = []
        let reader = try SegmentLineReader.open(segment)
        while let line = try reader.next() {
            guard let found = ByteSearch.firstOffset(of: marker, in: line.bytes) else { continue }
            // The closing quote: the first `"` not escaped by a backslash.
            var end = found + marker.count
            while end < line.bytes.count, line.bytes[end] != 34 { end += line.bytes[end] == 92 ? 2 : 1 }
            guard end < line.bytes.count else { continue }
            keys.append(key(line.bytes[found...end]))
        }
        var bloom = Bloom(capacity: keys.count)
        for key in keys { bloom.insert(key) }
        return bloom
    }

    /// FNV-1a, 64 bits: spread well enough for a Bloom filter, and stable across runs (Swift's
    /// Hasher is seeded per process, so it could not be stored).
    static func key(_ bytes: some Collection<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }

    struct Bloom {
        var bits: [UInt64]

        init(capacity: Int) {
            bits = [UInt64](repeating: 0, count: max(16, (capacity * 10 + 63) / 64))
        }

        init?(file: [UInt8]) {
            guard file.count >= 16, Array(file[0..<8]) == AuditTaskIndex.magic, (file.count - 8) % 8 == 0 else { return nil }
            bits = stride(from: 8, to: file.count, by: 8).map { offset in
                (0..<8).reduce(UInt64(0)) { $0 | UInt64(file[offset + $1]) << (8 * UInt64($1)) }
            }
        }

        var bytes: [UInt8] {
            var bytes = AuditTaskIndex.magic
            bytes.reserveCapacity(8 + bits.count * 8)
            for word in bits { for shift in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(shift)))) } }
            return bytes
        }

        /// Double hashing: the i-th probe is h1 + i·h2 (Kirsch and Mitzenmacher).
        private func probes(_ key: UInt64) -> [Int] {
            let count = UInt64(bits.count * 64)
            let h1 = key
            let h2 = (key >> 32 | key << 32) &* 0x9e37_79b9_7f4a_7c15 | 1
            return (0..<UInt64(AuditTaskIndex.hashes)).map { Int((h1 &+ $0 &* h2) % count) }
        }

        mutating func insert(_ key: UInt64) {
            for bit in probes(key) { bits[bit / 64] |= 1 << UInt64(bit % 64) }
        }

        func mayContain(_ key: UInt64) -> Bool {
            probes(key).allSatisfy { bits[$0 / 64] & (1 << UInt64($0 % 64)) != 0 }
        }
    }
}
