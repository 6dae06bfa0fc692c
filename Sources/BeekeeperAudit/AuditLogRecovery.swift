#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// What `AuditLog` finds on open: where the chain stands, which file is live, and what a crash
/// left behind. Runs before the log accepts appends, under the directory lock.
enum AuditLogRecovery {
    struct State: Sendable {
        var live: LiveSegment
        var lastSeq: UInt64
        var lastChain: String
        var lastType: String?
        /// The cut this start made in the live segment's torn tail (nil after a clean shutdown).
        var cut: TornFile?
        /// Every cut whose copy has no `.recorded` marker yet, this start's included, in the
        /// order they happened: each needs its `audit.recovered` record (unless `reported`)
        /// and then the marker.
        var tornFiles: [TornFile] = []
        /// Sealed segments still waiting for compression.
        var sealedPlain: [String] = []
    }

    /// A cut and the copy of its bytes.
    struct TornFile: Sendable {
        var file: AuditTornFile
        var path: String
        var bytesRemoved: Int64
        /// The seq of the last record the cut kept.
        var resumedAfterSeq: UInt64
        /// Its `audit.recovered` record is already in the log (a crash came before the marker).
        var reported = false
    }

    struct LastRecord {
        var seq: UInt64
        var chain: String
        var type: String
    }

    static func recover(directory: String, logger: Logger) throws(AuditError) -> State {
        let names = try POSIX.listDirectory(directory)
        let nameSet = Set(names)
        var plain: [UInt64: String] = [:]
        var compressed: [UInt64: String] = [:]
        var pendingCopies: [AuditTornFile] = []
        var removedAny = false
        for name in names {
            if name.hasPrefix(AuditSegments.prefix), name.hasSuffix(AuditSegments.compressedSuffix + AuditSegments.temporarySuffix) {
                // An interrupted compression; the plain segment it came from is still there.
                try POSIX.unlink(POSIX.join(directory, name))
                continue
            }
            if name.hasSuffix(AuditTornFile.temporarySuffix),
                AuditTornFile(fileName: String(name.dropLast(AuditTornFile.temporarySuffix.count))) != nil
            {
                // A copy that never got its final name: its cut was not made, the bytes are
                // still in the segment and this start copies them again.
                try POSIX.unlink(POSIX.join(directory, name))
                removedAny = true
                continue
            }
            if let copy = AuditTornFile(fileName: name) {
                if !nameSet.contains(name + AuditTornFile.recordedSuffix) { pendingCopies.append(copy) }
                continue
            }
            guard let (seq, isCompressed) = AuditSegments.parse(fileName: name) else { continue }
            if isCompressed { compressed[seq] = name } else { plain[seq] = name }
        }

        // The live segment is the newest plain one, unless a compressed segment is newer still.
        let newestCompressed = compressed.keys.max()
        var liveSeq = plain.keys.filter { compressed[$0] == nil }.max()
        if let candidate = liveSeq, let newestCompressed, newestCompressed > candidate { liveSeq = nil }

        var sealedPlain: [String] = []
        for (seq, name) in plain where seq != liveSeq {
            let path = POSIX.join(directory, name)
            if nameSet.contains(name + ".gz") {
                // Compressed and synced before the crash; only the removal was missing.
                try POSIX.unlink(path)
                removedAny = true
            } else {
                sealedPlain.append(path)
            }
        }
        if removedAny { try POSIX.syncDirectory(directory) }
        sealedPlain.sort()

        // The last record before the live segment, to continue the chain across segments.
        let previousSeq = Set(plain.keys).union(compressed.keys).filter { seq in liveSeq.map { seq < $0 } ?? true }.max()
        var previous: LastRecord? = nil
        var previousProblem: AuditError? = nil
        if let previousSeq {
            let path = POSIX.join(directory, compressed[previousSeq] ?? plain[previousSeq]!)
            do {
                previous = try lastRecord(of: path)
                if previous == nil { previousProblem = .corruptSegment(path: path, line: 1, reason: "sealed segment has no records") }
            } catch {
                previousProblem = error
            }
            if let previousProblem {
                logger.warning("audit log: cannot read the last sealed segment", metadata: ["error": "\(previousProblem)"])
            }
        }

        var state: State
        if let liveSeq {
            let name = plain[liveSeq]!
            let path = POSIX.join(directory, name)
            state = try recoverLive(
                path: path, firstSeq: liveSeq, previous: previous, previousProblem: previousProblem, directory: directory,
                pendingCopies: pendingCopies.filter { $0.segment == name }, logger: logger)
        } else {
            if let previousProblem { throw previousProblem }
            state = try createLive(
                directory: directory, firstSeq: (previous?.seq ?? 0) + 1, previous: previous)
        }
        state.sealedPlain = sealedPlain
        state.tornFiles = try tornFiles(directory: directory, pending: pendingCopies, state: state, logger: logger)
        return state
    }

    /// Scans the live segment, keeps every whole line that continues the chain and cuts the
    /// rest (a torn tail after a crash), keeping the cut bytes beside it.
    /// - Parameter pendingCopies: copies of this segment's earlier cuts that are not recorded
    ///   yet; one of them may be of this very tail, made by a start that died before cutting.
    private static func recoverLive(
        path: String, firstSeq: UInt64, previous: LastRecord?, previousProblem: AuditError?, directory: String,
        pendingCopies: [AuditTornFile], logger: Logger
    ) throws(AuditError) -> State {
        var last = previous
        var records = 0
        var startedAt: Int64? = nil
        var cutAt: Int64? = nil
        var cutReason = ""
        let reader = try SegmentLineReader(path: path, compressed: false)
        while let line = try reader.next() {
            guard line.terminated else {
                cutAt = line.offset
                cutReason = "partial last line"
                break
            }
            guard case .success(let parsed) = AuditLine.parse(line.bytes[...]) else {
                cutAt = line.offset
                cutReason = "line \(line.number) is not a whole record"
                break
            }
            let expectedSeq = last.map { $0.seq + 1 } ?? firstSeq
            let expectedChain = AuditChain.next(
                previous: last?.chain ?? AuditChain.genesis, prefix: line.bytes[0..<parsed.prefixCount])
            // Without any earlier record (a first segment, or older ones gone) the first line
            // is taken as it is, as `audit verify` does.
            let linksUp = last == nil && firstSeq > 1 ? true : parsed.chain == expectedChain
            guard parsed.seq == expectedSeq, linksUp, records > 0 || parsed.seq == firstSeq else {
                cutAt = line.offset
                cutReason = "line \(line.number) does not continue the chain"
                break
            }
            if records == 0 { startedAt = AuditTimestamp.parse(parsed.ts) }
            records += 1
            last = LastRecord(seq: parsed.seq, chain: parsed.chain, type: parsed.type)
        }

        let fd = try POSIX.open(path, O_RDWR)
        var size: Int64
        do {
            size = try POSIX.size(fd, path: path)
        } catch {
            POSIX.close(fd)
            throw error
        }
        var cut: TornFile? = nil
        if let cutAt, cutAt < size {
            // The copy is complete and durable before the cut, so a crash at any point leaves
            // either the whole tail in the segment or its copy pending beside it.
            let copy: AuditTornFile
            do {
                if let earlier = pendingCopies.first(where: {
                    $0.offset == cutAt && holdsTail(POSIX.join(directory, $0.name), of: fd, from: cutAt, to: size)
                }) {
                    // A start that died between copying and cutting: its copy is this tail.
                    copy = earlier
                } else {
                    copy = try keepRemovedBytes(fd: fd, path: path, from: cutAt, to: size, directory: directory)
                }
                try POSIX.truncate(fd, to: cutAt, path: path)
                try POSIX.fullSync(fd, path: path)
            } catch {
                POSIX.close(fd)
                throw error
            }
            cut = TornFile(
                file: copy, path: POSIX.join(directory, copy.name), bytesRemoved: size - cutAt, resumedAfterSeq: last?.seq ?? 0)
            logger.warning(
                "audit log: cut torn tail of live segment",
                metadata: [
                    "segment": "\(path)", "bytes_removed": "\(size - cutAt)", "reason": "\(cutReason)",
                    "resumed_after_seq": "\(last?.seq ?? 0)", "kept_in": "\(copy.name)",
                ])
            size = cutAt
        }

        if records == 0, last == nil, firstSeq > 1 {
            // Nothing to continue the chain from: the live segment is empty and the segment
            // before it is gone or unreadable. Starting over would fork the chain.
            POSIX.close(fd)
            throw previousProblem
                ?? .corruptSegment(
                    path: path, line: 1,
                    reason: "cannot continue the chain: the live segment is empty and the segments before seq \(firstSeq) are gone; restore the newest sealed segment (for example from the collector)"
                )
        }
        // An empty live segment must be named after the seq that will open it.
        let nextSeq = (last?.seq ?? 0) + 1
        if records == 0, firstSeq != nextSeq {
            POSIX.close(fd)
            try POSIX.unlink(path)
            var state = try createLive(directory: directory, firstSeq: nextSeq, previous: last)
            state.cut = cut
            return state
        }
        let live = LiveSegment(fd: fd, path: path, firstSeq: firstSeq, size: size, records: records, startedAt: startedAt)
        return State(
            live: live, lastSeq: last?.seq ?? 0, lastChain: last?.chain ?? AuditChain.genesis, lastType: last?.type, cut: cut)
    }

    private static func createLive(directory: String, firstSeq: UInt64, previous: LastRecord?) throws(AuditError) -> State {
        let path = POSIX.join(directory, AuditSegments.fileName(firstSeq: firstSeq, compressed: false))
        let fd = try POSIX.open(path, O_RDWR | O_CREAT | O_EXCL)
        do {
            try POSIX.syncDirectory(directory)
        } catch {
            POSIX.close(fd)
            throw error
        }
        let live = LiveSegment(fd: fd, path: path, firstSeq: firstSeq, size: 0, records: 0, startedAt: nil)
        return State(
            live: live, lastSeq: previous?.seq ?? 0, lastChain: previous?.chain ?? AuditChain.genesis,
            lastType: previous?.type)
    }

    /// The last record of a sealed segment, which the next segment continues. Damage earlier
    /// in the segment is `audit verify`'s business, not a reason to refuse to start.
    static func lastRecord(of path: String) throws(AuditError) -> LastRecord? {
        let reader = try SegmentLineReader(path: path)
        var last: LastRecord? = nil
        var brokenLine: Int? = nil
        while let line = try reader.next() {
            if line.terminated, case .success(let parsed) = AuditLine.parse(line.bytes[...]) {
                last = LastRecord(seq: parsed.seq, chain: parsed.chain, type: parsed.type)
                brokenLine = nil
            } else {
                brokenLine = line.number
            }
        }
        if let brokenLine {
            throw .corruptSegment(path: path, line: brokenLine, reason: "the last line of a sealed segment is not a record")
        }
        return last
    }
}
