public import Sodium
import BeekeeperCore

/// `beekeeper audit verify`: checks seq order, the hash chain and checkpoint signatures of
/// segments, streaming (constant memory), and reports the first fault as `FILE:LINE: reason`.
public enum AuditVerifier {
    /// - Parameters:
    ///   - paths: segment files (`.jsonl`, `.jsonl.gz`) or directories (every
    ///     `audit-*.jsonl[.gz]` in them, e.g. the data dir's or a collector's); checked in seq
    ///     order as one chain.
    ///   - publicKey: the key checkpoints must be signed with; nil checks each checkpoint
    ///     against the key it names (which proves consistency, not authorship).
    /// - Throws: `AuditError` only when a path cannot be read at all; faults in the content
    ///   are in the report.
    public static func verify(paths: [String], publicKey: Ed25519.PublicKey?) throws(AuditError) -> AuditVerificationReport {
        let segments = try collect(paths)
        var verifier = ChainVerifier(publicKey: publicKey)
        for (index, segment) in segments.enumerated() {
            if let fault = try verifier.check(segment, isLast: index == segments.count - 1) {
                verifier.report.fault = fault
                break
            }
        }
        return verifier.report
    }

    struct SegmentFile {
        var path: String
        var firstSeq: UInt64?
        var compressed: Bool
        /// The live segment of a running sidecar: a partial last line is still being written,
        /// not torn, and is left for the next look.
        var live = false
    }

    private static func collect(_ paths: [String]) throws(AuditError) -> [SegmentFile] {
        var files: [SegmentFile] = []
        for path in paths {
            guard let info = POSIX.stat(path) else { throw .io(operation: "open", path: path, errno: 2) }
            if info.isDirectory {
                for segment in try AuditSegments.list(directory: path) {
                    files.append(SegmentFile(path: segment.path, firstSeq: segment.firstSeq, compressed: segment.isCompressed))
                }
            } else {
                let parsed = AuditSegments.parse(fileName: POSIX.fileName(of: path))
                files.append(SegmentFile(path: path, firstSeq: parsed?.firstSeq, compressed: parsed?.compressed ?? path.hasSuffix(".gz")))
            }
        }
        // Named segments run in seq order, whatever order they were given in.
        if files.allSatisfy({ $0.firstSeq != nil }) {
            files = files.enumerated().sorted { ($0.element.firstSeq!, $0.offset) < ($1.element.firstSeq!, $1.offset) }.map(\.element)
        }
        return files
    }
}

/// The running state of a verification across segments (copied to check the live segment on top
/// of the sealed ones without checking those again).
struct ChainVerifier {
    let publicKey: Ed25519.PublicKey?
    var report = AuditVerificationReport()
    var previousSeq: UInt64?
    var previousChain: String?

    init(publicKey: Ed25519.PublicKey?) {
        self.publicKey = publicKey
        report.keyChecked = publicKey != nil
    }

    mutating func check(_ segment: AuditVerifier.SegmentFile, isLast: Bool) throws(AuditError) -> AuditFault? {
        let reader = try SegmentLineReader.open(path: segment.path, compressed: segment.compressed, following: segment.live)
        let file = reader.path
        report.segmentsChecked += 1
        var lastType: String? = nil
        var lastLine = 0
        while true {
            let next: SegmentLineReader.Line?
            do throws(AuditError) {
                next = try reader.next()
            } catch {
                return readFault(error, file: file, line: reader.lastLineNumber + 1)
            }
            guard let line = next else { break }
            lastLine = line.number
            func fault(_ kind: AuditFault.Kind, _ reason: String) -> AuditFault {
                AuditFault(file: file, line: line.number, kind: kind, reason: reason)
            }
            guard line.terminated else { return fault(.tornLine, "torn line: the last line has no newline (a partial write)") }
            let parsed: AuditLine
            switch AuditLine.parse(line.bytes[...]) {
            case .success(let value): parsed = value
            case .failure(.malformed(let reason)): return fault(.malformed, reason)
            }

            if let previousSeq, let previousChain {
                if parsed.seq != previousSeq + 1 {
                    if parsed.seq <= previousSeq {
                        return fault(.reordered, "seq \(parsed.seq) after seq \(previousSeq): lines reordered or duplicated")
                    }
                    // A later seq: either lines were removed, or the next line holds the
                    // missing seq (two lines swapped).
                    let following = try? reader.peek()
                    if let following, following.terminated, case .success(let next) = AuditLine.parse(following.bytes[...]),
                        next.seq == previousSeq + 1
                    {
                        return fault(.reordered, "seq \(parsed.seq) before seq \(next.seq): lines reordered")
                    }
                    return fault(
                        .seqGap, "seq gap: expected seq \(previousSeq + 1), found \(parsed.seq) (line\(parsed.seq - previousSeq > 2 ? "s" : "") removed)")
                }
                let expected = AuditChain.next(previous: previousChain, prefix: line.bytes[0..<parsed.prefixCount])
                if expected != parsed.chain {
                    return fault(.chainMismatch, "chain mismatch at seq \(parsed.seq): the line was changed (or the one before it)")
                }
            } else if parsed.seq == 1 {
                let expected = AuditChain.next(previous: AuditChain.genesis, prefix: line.bytes[0..<parsed.prefixCount])
                if expected != parsed.chain {
                    return fault(.chainMismatch, "chain mismatch at seq 1: the line was changed")
                }
            } else {
                // The oldest segments are gone: trust this record's chain and check the rest.
                report.firstTrustedSeq = parsed.seq
            }
            if line.number == 1, let named = segment.firstSeq, named != parsed.seq {
                return fault(.misnamedSegment, "segment is named for seq \(named) but starts at seq \(parsed.seq) (first lines removed?)")
            }

            if parsed.type == AuditChain.checkpointType {
                if let problem = checkCheckpoint(parsed, file: file, line: line.number) { return problem }
            }
            if parsed.type == AuditChain.gapType {
                // Chained like any record, yet it admits records are gone: never "OK".
                let from = parsed.value["missing_from"].map { $0.serialized() } ?? "?"
                let to = parsed.value["missing_to"].map { $0.serialized() } ?? "?"
                let reason = parsed.value["reason"]?.stringValue.map { ": \($0)" } ?? ""
                return fault(.auditGap, "audit gap: records seq \(from)-\(to) are missing (a start accepted the gap)\(reason)")
            }
            if report.firstSeq == nil { report.firstSeq = parsed.seq }
            report.lastSeq = parsed.seq
            report.recordsChecked += 1
            previousSeq = parsed.seq
            previousChain = parsed.chain
            lastType = parsed.type
        }
        if !isLast, lastLine > 0, lastType != AuditChain.checkpointType {
            return AuditFault(
                file: file, line: lastLine, kind: .missingCheckpoint,
                reason: "sealed segment does not end with a checkpoint (lines cut from its end?)")
        }
        return nil
    }

    private mutating func checkCheckpoint(_ parsed: AuditLine, file: String, line: Int) -> AuditFault? {
        func fault(_ kind: AuditFault.Kind, _ reason: String) -> AuditFault {
            AuditFault(file: file, line: line, kind: kind, reason: reason)
        }
        guard let keyHex = parsed.value["key"]?.stringValue, let key = try? Ed25519.PublicKey(hex: keyHex) else {
            return fault(.malformed, "checkpoint without a valid key")
        }
        guard let sigText = parsed.value["sig"]?.stringValue, let signature = Base64.decode(sigText) else {
            return fault(.malformed, "checkpoint without a valid base64 sig")
        }
        if let publicKey, key != publicKey {
            return fault(.wrongKey, "checkpoint signed by key \(key.hex), not the expected \(publicKey.hex)")
        }
        if !report.checkpointKeys.contains(key.hex) { report.checkpointKeys.append(key.hex) }
        report.lastCheckpoint = (parsed.seq, key.hex)
        // A checkpoint that is the first record present signs a record that is gone.
        guard let previousSeq, let previousChain else { return nil }
        guard key.isValidSignature(signature, for: AuditChain.checkpointMessage(seq: previousSeq, chain: previousChain)) else {
            return fault(.badSignature, "checkpoint signature does not verify for seq \(previousSeq)")
        }
        report.checkpointsVerified += 1
        return nil
    }

    private func readFault(_ error: AuditError, file: String, line: Int) -> AuditFault {
        switch error {
        case .compressedSegment(_, let reason):
            return AuditFault(file: file, line: line, kind: .corruptCompression, reason: reason)
        case .corruptSegment(_, _, let reason):
            return AuditFault(file: file, line: line, kind: .malformed, reason: reason)
        default:
            return AuditFault(file: file, line: line, kind: .malformed, reason: error.description)
        }
    }
}
