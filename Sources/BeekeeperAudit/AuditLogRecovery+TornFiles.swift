import BeekeeperCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// The copies of cut torn tails, and which cuts still need their `audit.recovered` record.
///
/// A cut goes: copy written as `<name>.tmp`, synced, renamed to `<name>`, directory synced;
/// segment truncated and synced; `audit.recovered` appended and synced; `<name>.recorded`
/// created and the directory synced. Whenever a start dies, the next one finds one of:
/// a `.tmp` (the cut was not made: removed, the tail is copied again), a copy whose bytes are
/// still the segment's tail (the cut was not made: that copy is used for it), a copy without
/// marker (the cut was made: reported unless its record is found in the log), or a marker.
extension AuditLogRecovery {
    /// Copies the bytes about to be cut to a name never used in the directory before, so that
    /// recovery never destroys evidence: a tail that is not a crash's leftovers can still be
    /// examined. Returns only once the copy is complete and durable under its final name.
    static func keepRemovedBytes(fd: Int32, path: String, from: Int64, to: Int64, directory: String) throws(AuditError)
        -> AuditTornFile
    {
        guard var file = AuditTornFile(segment: POSIX.fileName(of: path), offset: from, copy: 1) else {
            throw .notASegment(path: path)
        }
        while POSIX.stat(POSIX.join(directory, file.name)) != nil
            || POSIX.stat(POSIX.join(directory, file.name + AuditTornFile.recordedSuffix)) != nil
        {
            file.copy += 1
        }
        let finalPath = POSIX.join(directory, file.name)
        let temporaryPath = finalPath + AuditTornFile.temporarySuffix
        do throws(AuditError) {
            let copy = try POSIX.open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o640)
            defer { POSIX.close(copy) }
            var offset = from
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while offset < to {
                let count = try POSIX.pread(fd, into: &chunk, limit: Int(min(Int64(chunk.count), to - offset)), at: offset, path: path)
                if count == 0 { break }
                try POSIX.writeAll(copy, chunk[0..<count], path: temporaryPath)
                offset += Int64(count)
            }
            try POSIX.fullSync(copy, path: temporaryPath)
        } catch {
            try? POSIX.unlink(temporaryPath)
            throw error
        }
        try POSIX.rename(temporaryPath, finalPath)
        try POSIX.syncDirectory(directory)
        return file
    }

    /// Whether the copy at `copyPath` holds exactly the segment's bytes `from..<to`: then the
    /// start that made it died before cutting. Any doubt (unreadable) answers no, and the tail
    /// gets a copy of its own.
    static func holdsTail(_ copyPath: String, of fd: Int32, from: Int64, to: Int64) -> Bool {
        guard let info = POSIX.stat(copyPath), info.size == to - from else { return false }
        guard let copy = try? POSIX.open(copyPath, O_RDONLY) else { return false }
        defer { POSIX.close(copy) }
        var expected = [UInt8](repeating: 0, count: 64 * 1024)
        var actual = [UInt8](repeating: 0, count: 64 * 1024)
        var offset = from
        while offset < to {
            let limit = Int(min(Int64(expected.count), to - offset))
            guard let count = try? POSIX.pread(fd, into: &expected, limit: limit, at: offset, path: copyPath), count > 0,
                let read = try? POSIX.pread(copy, into: &actual, limit: count, at: offset - from, path: copyPath), read == count,
                expected[0..<count] == actual[0..<count]
            else { return false }
            offset += Int64(count)
        }
        return true
    }

    /// Every cut still to be reported or marked, in the order the cuts happened: this start's
    /// and those of starts that died before they could write `audit.recovered` or the marker.
    /// A cut whose record is already in the log (a segment from the cut one on, or the live
    /// one) is flagged `reported`, so it is marked without a second record.
    static func tornFiles(directory: String, pending: [AuditTornFile], state: State, logger: Logger) throws(AuditError)
        -> [TornFile]
    {
        let earlier = pending.filter { $0 != state.cut?.file }
        var result: [TornFile] = state.cut.map { [$0] } ?? []
        guard !earlier.isEmpty else { return result }

        struct Report: Hashable {
            var segment: String
            var file: String
        }
        var reports: Set<Report> = []
        var wanted: [String: Set<Int64>] = [:]
        for file in earlier { wanted[file.segment, default: []].insert(file.offset) }
        var seqAt: [String: [Int64: UInt64]] = [:]
        // A record comes after its cut, so in the cut segment or a later one; the live segment
        // is always read, as it may have replaced the cut one under a lower name.
        let from = earlier.map(\.segmentFirstSeq).min()!
        for segment in try AuditSegments.list(directory: directory)
        where segment.firstSeq >= from || segment.path == state.live.path {
            let name = POSIX.fileName(of: segment.path)
            let plainName = segment.isCompressed ? String(name.dropLast(3)) : name
            do throws(AuditError) {
                let reader = try SegmentLineReader.open(segment)
                while let line = try reader.next() {
                    guard line.terminated, case .success(let parsed) = AuditLine.parse(line.bytes[...]) else { continue }
                    if parsed.type == AuditChain.recoveredType, let cut = parsed.value["segment"]?.stringValue,
                        let file = parsed.value["removed_bytes_file"]?.stringValue
                    {
                        reports.insert(Report(segment: cut, file: file))
                    }
                    let end = line.offset + Int64(line.bytes.count) + 1
                    if wanted[plainName]?.contains(end) == true { seqAt[plainName, default: [:]][end] = parsed.seq }
                }
            } catch {
                // Unreadable: its records cannot be found, so a cut may be reported twice,
                // which is better than not at all.
                logger.warning("audit log: cannot read a segment for earlier cuts", metadata: ["error": "\(error)"])
            }
        }
        for file in earlier {
            let path = POSIX.join(directory, file.name)
            let resumed = file.offset == 0 ? max(file.segmentFirstSeq, 1) - 1 : seqAt[file.segment]?[file.offset] ?? state.lastSeq
            let reported = reports.contains(Report(segment: file.segment, file: file.name))
            result.append(
                TornFile(
                    file: file, path: path, bytesRemoved: POSIX.stat(path)?.size ?? 0, resumedAfterSeq: resumed,
                    reported: reported))
            logger.warning(
                "audit log: a cut made before the last crash \(reported ? "was reported but not marked" : "was never reported")",
                metadata: ["kept_in": "\(file.name)"])
        }
        return result.sorted { AuditTornFile.precedes($0.file, $1.file) }
    }
}
