/// `beekeeper audit tail [-f]`: the newest records, and following the live segment as it grows
/// and across rotation. Polls; no inotify needed.
public enum AuditTail {
    /// The last `count` complete lines of the log, oldest first (reaching into older segments
    /// when the live one holds fewer).
    public static func last(_ count: Int, directory: String) throws(AuditError) -> [String] {
        guard count > 0 else { return [] }
        var collected: [[String]] = []
        var total = 0
        for segment in try AuditSegments.list(directory: directory).reversed() {
            var ring: [String] = []
            let reader = try SegmentLineReader.open(segment)
            while let line = try reader.next() {
                guard line.terminated else { break }
                ring.append(String(decoding: line.bytes, as: UTF8.self))
                if ring.count > count - total { ring.removeFirst() }
            }
            collected.append(ring)
            total += ring.count
            if total >= count { break }
        }
        return collected.reversed().flatMap { $0 }
    }

    /// Follows the log: first the last `backlog` lines, then each new complete line as it is
    /// written, moving on to the next segment when the live one is sealed. Returns when `body`
    /// returns false; throws `CancellationError` when the task is cancelled.
    public static func follow(
        directory: String, backlog: Int = 10, pollInterval: Duration = .milliseconds(250),
        _ body: (String) async throws -> Bool
    ) async throws {
        // Wait for a live segment to exist.
        var current: AuditSegment
        while true {
            if let live = try AuditSegments.list(directory: directory).last(where: { !$0.isCompressed }) {
                current = live
                break
            }
            try await Task.sleep(for: pollInterval)
        }
        var reader = try SegmentLineReader(path: current.path, compressed: false, following: true)
        // Backlog: the tail of the current segment (older segments are not followed back).
        var ring: [String] = []
        while let line = try reader.next() {
            ring.append(String(decoding: line.bytes, as: UTF8.self))
            if ring.count > backlog { ring.removeFirst() }
        }
        for line in ring where !(try await body(line)) { return }

        while true {
            try Task.checkCancellation()
            var sawLine = false
            while let line = try reader.next() {
                sawLine = true
                guard try await body(String(decoding: line.bytes, as: UTF8.self)) else { return }
            }
            if sawLine { continue }
            // The successor exists only after the closing checkpoint was synced, so once it is
            // seen, one more read drains the sealed segment. The descriptor stays open, so
            // compression removing the plain file does not lose its tail.
            let segments = try AuditSegments.list(directory: directory)
            if let next = segments.first(where: { $0.firstSeq > current.firstSeq }) {
                while let line = try reader.next() {
                    guard try await body(String(decoding: line.bytes, as: UTF8.self)) else { return }
                }
                current = next
                reader = try SegmentLineReader.open(path: next.path, compressed: next.isCompressed, following: !next.isCompressed)
                continue
            }
            try await Task.sleep(for: pollInterval)
        }
    }
}
