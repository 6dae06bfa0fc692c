/// Newest first, a page at a time: what the review pages list. A page reads segments from the
/// newest back and stops as soon as it has its records, so paging never re-reads the whole log;
/// a task id asked for narrows the segments to those its index says may hold it.
extension AuditQuery {
    public struct Page: Sendable {
        /// Newest first.
        public var entries: [AuditEntry]
        /// Pass as `before` for the next (older) page; nil on the last page.
        public var nextBefore: UInt64?
    }

    /// The newest `size` matches with a seq below `before` (all when nil).
    /// - Parameter index: narrows a `taskID` query to the segments that may hold the task.
    /// - Parameter include: segments to read at all (nil: every one), e.g. those a summary says
    ///   hold the type asked for.
    public func page(
        directory: String, hmacKey: [UInt8]?, before: UInt64?, size: Int, index: AuditTaskIndex? = nil,
        include: ((AuditSegment) -> Bool)? = nil
    ) throws(AuditError) -> Page {
        let matcher = matcher(hmacKey: hmacKey)
        var segments = try AuditSegments.list(directory: directory)
        if let include { segments = segments.filter(include) }
        if let taskID, let index { segments = try index.candidates(taskID: taskID, in: segments) }
        // Newest segment first; the newest matches end up first.
        var collected: [AuditEntry] = []
        for segment in segments.reversed() {
            if let before, segment.firstSeq >= before { continue }
            let wanted = size + 1 - collected.count
            var ring: [AuditEntry] = []
            let reader = try SegmentLineReader.open(segment)
            if matcher.acceptsAll {
                // Without filters only the kept lines are parsed: the seq is read off the line's start.
                var lines: [[UInt8]] = []
                while let line = try reader.next() {
                    guard line.terminated, let seq = AuditLine.leadingSeq(line.bytes) else { continue }
                    if let before, seq >= before { break }
                    lines.append(line.bytes)
                    if lines.count > wanted { lines.removeFirst() }
                }
                for bytes in lines {
                    if case .success(let record) = AuditLine.parse(bytes[...]) { ring.append(AuditEntry(record, bytes: bytes)) }
                }
            } else {
                while let line = try reader.next() {
                    guard line.terminated, let record = matcher.match(line.bytes) else { continue }
                    if let before, record.seq >= before { break }
                    ring.append(AuditEntry(record, bytes: line.bytes))
                    // Keep only the newest `wanted` of this segment: memory stays one page.
                    if ring.count > wanted { ring.removeFirst() }
                }
            }
            collected += ring.reversed()
            if collected.count > size { break }
        }
        let more = collected.count > size
        let entries = Array(collected.prefix(size))
        return Page(entries: entries, nextBefore: more ? entries.last?.seq : nil)
    }

    /// Every record of one task, oldest first (a task has a handful).
    public static func task(_ taskID: String, directory: String, index: AuditTaskIndex?) throws(AuditError) -> [AuditEntry] {
        let query = AuditQuery(taskID: taskID)
        let matcher = query.matcher(hmacKey: nil)
        var segments = try AuditSegments.list(directory: directory)
        if let index { segments = try index.candidates(taskID: taskID, in: segments) }
        var entries: [AuditEntry] = []
        for segment in segments {
            let reader = try SegmentLineReader.open(segment)
            while let line = try reader.next() {
                guard line.terminated, let record = matcher.match(line.bytes) else { continue }
                entries.append(AuditEntry(record, bytes: line.bytes))
            }
        }
        return entries
    }

    /// The record with `seq` and the chain value of the record before it (`chain_0`, 64 zeros,
    /// for seq 1; nil when that record is not in the directory). nil when no such record.
    public static func record(seq: UInt64, directory: String) throws(AuditError) -> (entry: AuditEntry, previousChain: String?)? {
        let segments = try AuditSegments.list(directory: directory)
        guard let position = segments.lastIndex(where: { $0.firstSeq <= seq }) else { return nil }
        var previousChain: String? = seq == 1 ? AuditChain.genesis : nil
        if segments[position].firstSeq == seq, position > 0, seq > 1 {
            // The record before is the previous segment's last line.
            let reader = try SegmentLineReader.open(segments[position - 1])
            while let line = try reader.next() {
                if line.terminated, case .success(let record) = AuditLine.parse(line.bytes[...]), record.seq == seq - 1 {
                    previousChain = record.chain
                }
            }
        }
        let prefix = Array("{\"seq\":\(seq),".utf8)
        let previousPrefix = Array("{\"seq\":\(seq - 1),".utf8)
        let reader = try SegmentLineReader.open(segments[position])
        while let line = try reader.next() {
            guard line.terminated else { continue }
            if seq > 1, line.bytes.starts(with: previousPrefix), case .success(let record) = AuditLine.parse(line.bytes[...]) {
                previousChain = record.chain
            }
            guard line.bytes.starts(with: prefix), case .success(let record) = AuditLine.parse(line.bytes[...]) else { continue }
            return (AuditEntry(record, bytes: line.bytes), previousChain)
        }
        return nil
    }
}
