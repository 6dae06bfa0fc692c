#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of an audit directory: naming, listing, and the shipper's bookkeeping.
///
/// A segment is shipped by a future shipper in three steps: `readyToShip` lists sealed,
/// compressed segments without a marker; after the collector acknowledged one, `markShipped`
/// writes `<name>.shipped`; `removeShipped` later deletes shipped segments whose marker is older
/// than `keep_shipped`. Nothing without a marker is ever deleted.
public enum AuditSegments {
    static let prefix = "audit-"
    static let plainSuffix = ".jsonl"
    static let compressedSuffix = ".jsonl.gz"
    static let shippedSuffix = ".shipped"
    static let temporarySuffix = ".tmp"
    static let digits = 16

    /// `audit-<first seq, 16 digits>.jsonl` or `.jsonl.gz`.
    public static func fileName(firstSeq: UInt64, compressed: Bool) -> String {
        let number = String(firstSeq)
        let padded = String(repeating: "0", count: max(0, digits - number.count)) + number
        return prefix + padded + (compressed ? compressedSuffix : plainSuffix)
    }

    /// The first seq and kind of a segment file name; nil for any other name.
    public static func parse(fileName: String) -> (firstSeq: UInt64, compressed: Bool)? {
        guard fileName.hasPrefix(prefix) else { return nil }
        let compressed: Bool
        if fileName.hasSuffix(compressedSuffix) {
            compressed = true
        } else if fileName.hasSuffix(plainSuffix) {
            compressed = false
        } else {
            return nil
        }
        let body = fileName.utf8.dropFirst(prefix.utf8.count).dropLast(compressed ? compressedSuffix.utf8.count : plainSuffix.utf8.count)
        guard body.count == digits, body.allSatisfy({ $0 >= 48 && $0 <= 57 }), let seq = UInt64(String(decoding: body, as: UTF8.self))
        else { return nil }
        return (seq, compressed)
    }

    /// Every segment in `directory`, in seq order, the live one last. A sealed segment whose
    /// compression finished but whose plain file is not yet removed is listed once, compressed
    /// (the `.gz` only appears under its final name once complete and synced).
    ///
    /// With `holdingSeqsAfter`, only the segment holding the next seq and those after it (a
    /// segment ends where the next begins). Names are read first and only the segments returned
    /// are stat'ed: a start catches up from its last snapshot through this, and stat'ing years of
    /// segments (or thousands on a slow filesystem) held up every restart (issue 14).
    public static func list(directory: String, holdingSeqsAfter afterSeq: UInt64? = nil) throws(AuditError) -> [AuditSegment] {
        let names = try POSIX.listDirectory(directory)
        let nameSet = Set(names)
        var candidates: [(firstSeq: UInt64, name: String, compressed: Bool)] = []
        for name in names {
            guard let (seq, compressed) = parse(fileName: name) else { continue }
            if !compressed, nameSet.contains(name + ".gz") { continue }
            candidates.append((seq, name, compressed))
        }
        candidates.sort { $0.firstSeq < $1.firstSeq }
        var start = 0
        if let afterSeq {
            while start + 1 < candidates.count, candidates[start + 1].firstSeq <= afterSeq + 1 { start += 1 }
        }
        var segments: [AuditSegment] = []
        segments.reserveCapacity(candidates.count - start)
        for (seq, name, compressed) in candidates[start...] {
            var path = POSIX.join(directory, name)
            var isCompressed = compressed
            var info = POSIX.stat(path)
            if info == nil, !compressed, let gz = POSIX.stat(path + ".gz") {
                // Compressed and removed since the directory was read: list it as the .gz.
                (path, isCompressed, info) = (path + ".gz", true, gz)
            }
            guard let info, !info.isDirectory else { continue }
            segments.append(
                AuditSegment(
                    firstSeq: seq, path: path, isCompressed: isCompressed,
                    isShipped: isCompressed && nameSet.contains(POSIX.fileName(of: path) + shippedSuffix), byteCount: info.size))
        }
        return segments
    }

    /// Sealed, compressed segments the shipper has not delivered yet, oldest first.
    public static func readyToShip(directory: String) throws(AuditError) -> [AuditSegment] {
        try list(directory: directory).filter { $0.isCompressed && !$0.isShipped }
    }

    /// What waits for the shipper, summed: what `/readyz` and the backlog gauges report. An
    /// unreadable directory counts as empty here; the shipper itself reports the error.
    public static func backlog(directory: String) -> (segments: Int, bytes: Int64, oldest: AuditSegment?) {
        let ready = (try? readyToShip(directory: directory)) ?? []
        return (ready.count, ready.reduce(0) { $0 + $1.byteCount }, ready.first)
    }

    /// Records that the collector acknowledged `segment` at `date`: a durable `<name>.shipped`
    /// marker whose modification time starts the `keep_shipped` clock.
    public static func markShipped(_ segment: AuditSegment, at date: Date = Date()) throws(AuditError) {
        guard segment.isCompressed else { throw .notASegment(path: segment.path) }
        let marker = segment.path + shippedSuffix
        let fd = try POSIX.open(marker, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o640)
        defer { POSIX.close(fd) }
        let micros = Int64(date.timeIntervalSince1970 * 1_000_000)
        try POSIX.writeAll(fd, Array("shipped \(AuditTimestamp.format(microseconds: micros))\n".utf8), path: marker)
        // The marker's modification time is the shipping time `removeShipped` measures from.
        let time = timespec(tv_sec: time_t(micros / 1_000_000), tv_nsec: Int((micros % 1_000_000) * 1000))
        guard futimens(fd, [time, time]) == 0 else { throw .io(operation: "futimens", path: marker, errno: errno) }
        try POSIX.fullSync(fd, path: marker)
        try POSIX.syncDirectory(POSIX.directoryName(of: segment.path))
    }

    /// Deletes shipped segments whose marker is at least `keep` old, and returns them. Segments
    /// without a marker, plain segments and the live segment are never touched, nor is the
    /// newest compressed segment: its last record is the chain a new live segment continues.
    @discardableResult
    public static func removeShipped(directory: String, keep: Duration, now: Date = Date()) throws(AuditError) -> [AuditSegment] {
        let keepSeconds = Double(keep.components.seconds) + Double(keep.components.attoseconds) / 1e18
        var removed: [AuditSegment] = []
        let compressed = try list(directory: directory).filter(\.isCompressed)
        for segment in compressed.dropLast() where segment.isShipped {
            let marker = segment.path + shippedSuffix
            guard let info = POSIX.stat(marker), now.timeIntervalSince1970 - info.modified >= keepSeconds else { continue }
            // The segment goes first: a marker left behind by a crash is harmless, a segment
            // without its marker would only be shipped again.
            try POSIX.unlink(segment.path)
            try POSIX.unlink(marker)
            removed.append(segment)
        }
        if !removed.isEmpty { try POSIX.syncDirectory(directory) }
        return removed
    }
}
