import BeekeeperCore
import Synchronization

/// Counts over a whole audit directory for the overview: records by type, blocks by reason,
/// and tasks and blocks per minute. A sealed (compressed) segment never changes, so its counts
/// are taken once and kept (a few hundred bytes each); plain segments are counted on each look.
public final class AuditSummary: Sendable {
    public struct Counts: Sendable, Equatable {
        public var byType: [String: Int] = [:]
        public var blockReasons: [String: Int] = [:]
        /// Minute (Unix seconds / 60) -> tasks received and tasks blocked in it.
        public var perMinute: [Int64: (tasks: Int, blocks: Int)] = [:]

        public static func == (left: Self, right: Self) -> Bool {
            left.byType == right.byType && left.blockReasons == right.blockReasons
                && left.perMinute.count == right.perMinute.count
                && left.perMinute.allSatisfy { right.perMinute[$0.key].map { $0 == $1 } ?? false }
        }

        mutating func add(_ other: Counts) {
            byType.merge(other.byType, uniquingKeysWith: +)
            blockReasons.merge(other.blockReasons, uniquingKeysWith: +)
            perMinute.merge(other.perMinute) { ($0.tasks + $1.tasks, $0.blocks + $1.blocks) }
        }
    }

    public let directory: String
    private let sealed = Mutex<[String: Counts]>([:])

    public init(directory: String) {
        self.directory = directory
    }

    /// The counts of every segment now in the directory. Blocking file reading.
    public func counts() throws(AuditError) -> Counts {
        let segments = try AuditSegments.list(directory: directory)
        var total = Counts()
        var known = sealed.withLock { $0 }
        for segment in segments {
            let key = "\(segment.fileName).\(segment.byteCount)"
            if segment.isCompressed, let counts = known[key] {
                total.add(counts)
                continue
            }
            let counts = try Self.count(segment)
            if segment.isCompressed { known[key] = counts }
            total.add(counts)
        }
        // Segments that went (shipped and past keep_shipped) are forgotten.
        let present = Set(segments.map { "\($0.fileName).\($0.byteCount)" })
        known = known.filter { present.contains($0.key) }
        sealed.withLock { [known] in $0 = known }
        return total
    }

    /// false only when `segment` is sealed, already counted and holds no record of `type`: a
    /// search for a rare type can skip it without reading it.
    public func mayHold(type: String, in segment: AuditSegment) -> Bool {
        guard segment.isCompressed, let counts = sealed.withLock({ $0["\(segment.fileName).\(segment.byteCount)"] }) else { return true }
        return counts.byType[type] != nil
    }

    static func count(_ segment: AuditSegment) throws(AuditError) -> Counts {
        var counts = Counts()
        let reader = try SegmentLineReader.open(segment)
        while let line = try reader.next() {
            guard line.terminated, case .success(let record) = AuditLine.parse(line.bytes[...]) else { continue }
            counts.byType[record.type, default: 0] += 1
            let isReceived = record.type == "task.received"
            let isBlocked = record.type == "task.blocked"
            if isBlocked { counts.blockReasons[record.value["reason"]?.stringValue ?? "-", default: 0] += 1 }
            if isReceived || isBlocked, let micros = AuditTimestamp.parse(record.ts) {
                let minute = micros >= 0 ? micros / 60_000_000 : (micros - 59_999_999) / 60_000_000
                let current = counts.perMinute[minute] ?? (0, 0)
                counts.perMinute[minute] = (current.tasks + (isReceived ? 1 : 0), current.blocks + (isBlocked ? 1 : 0))
            }
        }
        return counts
    }
}
