import BeekeeperAudit
import BeekeeperCore
import Dispatch
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The open idempotency journal (`state/idempotency.jsonl`): appends finished outcomes' lines and
/// fdatasyncs them in groups. Lines reach it two ways, and both may run at once:
/// - riding on the audit group commit of their outcome record (``groupDurable(_:done:)``, called
///   on the audit log's I/O queue after that group's fdatasync): the task path in `batch` and `always`;
/// - from ``IdempotencyStore/finish(_:outcome:)`` after the record was awaited: late outcomes, and
///   `interval`/`none`, whose appends nothing waits for.
///
/// The fdatasync runs on a queue of its own, not on the audit log's: the audit writer only pays
/// the journal's `write` and goes on with its next group, and lines written while an fdatasync
/// runs share the next one (as the journal's separate group commit did before it rode on the audit's).
///
/// A failed write or fdatasync is logged and otherwise ignored: the task is answered all the same
/// (its audit record is durable), and only a replay after a restart or power cut may run it again.
///
/// The journal is two files, so a sidecar that runs for months keeps at most two retentions of
/// lines on disk (and reads at most that at its next start): once the current file holds a
/// retention's worth, ``rotate()`` renames it to `<path>.previous` (replacing the one before, whose
/// ids have all expired by then) and starts an empty one. A line's place names its file by a parity
/// bit (``IdempotencyJournalLocation/file``): the previous file is still read for replays of its ids.
final class IdempotencyJournal: AuditGroupFollower {
    let path: String
    var previousPath: String { Self.previousPath(of: path) }
    static func previousPath(of path: String) -> String { path + ".previous" }
    private let logger: Logger
    private let faults: AuditFaultInjector?
    /// Where the next line goes, with the lines written by the audit I/O queue that the store has
    /// not picked up yet: held for one write, since the audit I/O queue and the store's actor both
    /// append.
    private let writing: Mutex<Appending>
    private let syncQueue = DispatchQueue(label: "beekeeper.idempotency.sync")

    /// One of the journal's files, closed when the last user lets go of it: a rotation may retire
    /// a file while a read or an fdatasync of it runs.
    private final class File: Sendable {
        let fd: Int32
        /// The bit places in this file carry.
        let parity: UInt8
        init(fd: Int32, parity: UInt8) {
            self.fd = fd
            self.parity = parity
        }
        deinit { close(fd) }
    }

    private struct Appending {
        var current: File
        var previous: File?
        var previousSize: Int64
        var end: Int64
        /// Task-path lines, by id, until ``takeLocation(of:)`` (right after their append returns).
        var unclaimed: [String: IdempotencyJournalLocation] = [:]
    }

    /// A bound on `unclaimed`: every task-path line is claimed right after its append returns, so
    /// more than this means a caller that never came; forgetting them costs only memory savings
    /// (their outcomes stay decoded in memory), never a replay.
    static let unclaimedLimit = 65_536

    /// Written lines' callers waiting for an fdatasync, by write number.
    private struct Syncs {
        var written: UInt64 = 0
        var running = false
        var waiting: [(upTo: UInt64, done: @Sendable () -> Void)] = []
        var count = 0
    }

    private let syncs = Mutex(Syncs())

    /// fdatasync calls of finished outcomes' lines (not the one at start); tests check grouping with it.
    var syncCount: Int { syncs.withLock { $0.count } }

    /// Opens the journal for appending (and for reading outcomes back when a replay asks), and the
    /// previous file for reading if there is one; nil if the journal cannot be opened (outcomes are
    /// then kept in memory only). Places in the current file start with parity 0, in the previous 1.
    init?(path: String, logger: Logger, faults: AuditFaultInjector?) {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        let end = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1
        guard fd >= 0, end >= 0 else {
            let code = errno
            if fd >= 0 { close(fd) }
            logger.warning(
                "could not open the idempotency journal; outcomes are replayed only until a restart",
                metadata: ["path": "\(path)", "errno": "\(code)"])
            return nil
        }
        let previous = open(Self.previousPath(of: path), O_RDONLY | O_CLOEXEC)
        let previousSize = previous >= 0 ? max(0, Int64(lseek(previous, 0, SEEK_END))) : 0
        self.path = path
        self.logger = logger
        self.faults = faults
        self.writing = Mutex(
            Appending(
                current: File(fd: fd, parity: 0), previous: previous >= 0 ? File(fd: previous, parity: 1) : nil,
                previousSize: previousSize, end: Int64(end)))
    }

    /// Bytes in both files (the `beekeeper_idempotency_journal_bytes` gauge): about two days of
    /// outcomes at most while rotations succeed.
    var bytesOnDisk: Int64 { writing.withLock { $0.end + $0.previousSize } }

    /// Makes the current file the previous one and starts an empty current file: the current file
    /// is synced, renamed over the previous one (whose ids must all have expired) and the new
    /// file's directory entry made durable before any line goes to it. Nil on success, else why not
    /// (the journal then goes on in its current file).
    func rotate() -> String? {
        writing.withLock { appending -> String? in
            if let code = faults?.takeSyncFault() { return "fdatasync failed (errno \(code))" }
            guard fdatasync(appending.current.fd) == 0 else { return "fdatasync failed (errno \(errno))" }
            guard rename(path, previousPath) == 0 else { return "cannot rename it (errno \(errno))" }
            let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                let code = errno
                _ = rename(previousPath, path)
                return "cannot create a new file (errno \(code))"
            }
            let file = File(fd: fd, parity: appending.current.parity ^ 1)
            do {
                try DurableFile.syncDirectory(of: path)
            } catch {
                // The new file may not survive a power cut: go on in the old one.
                _ = rename(previousPath, path)
                return "\(error)"
            }
            appending.previous = appending.current
            appending.previousSize = appending.end
            appending.current = file
            appending.end = 0
            return nil
        }
    }

    /// Appends `bytes` (whole lines) with one write at the journal's end; where they went (their
    /// whole length), or the errno. A failed write is cut off again, so the file keeps only whole
    /// lines and the next line starts where this one should have.
    func write(_ bytes: [UInt8]) -> Result<IdempotencyJournalLocation, IdempotencyJournalFailure> {
        if let code = faults?.takeWriteFault() { return .failure(.init(errno: code)) }
        return writing.withLock { appending in
            let offset = appending.end
            let fd = appending.current.fd
            if let code = bytes.withUnsafeBytes({ UnixIO.writeAll(fd, $0, at: offset) }) {
                _ = ftruncate(fd, off_t(offset))
                return .failure(.init(errno: code))
            }
            appending.end += Int64(bytes.count)
            return .success(IdempotencyJournalLocation(offset: offset, length: Int32(bytes.count), file: appending.current.parity))
        }
    }

    /// The line written earlier at `location` (``write(_:)``, or read at start), parsed; nil when
    /// its file is gone, ends before it (cut short under the store) or it does not parse, the
    /// errno when the read failed.
    func record(at location: IdempotencyJournalLocation) -> Result<JSONValue?, IdempotencyJournalFailure> {
        if let code = faults?.takeReadFault() { return .failure(.init(errno: code)) }
        let file = writing.withLock { appending in
            appending.current.parity == location.file ? appending.current : appending.previous
        }
        guard let file else { return .success(nil) }
        var bytes = [UInt8](repeating: 0, count: Int(location.length))
        let count = bytes.withUnsafeMutableBytes { UnixIO.readAll(file.fd, $0, at: location.offset) }
        if count < 0 { return .failure(.init(errno: errno)) }
        return .success(count == bytes.count ? try? JSONValue.parse(bytes) : nil)
    }

    /// Cuts the current file back to `length`, synced: a start drops a torn last line (a crash
    /// mid-write) this way, so the next line is not glued onto it. Nil on success, else the errno.
    func cut(to length: Int64) -> Int32? {
        writing.withLock { appending in
            guard ftruncate(appending.current.fd, off_t(length)) == 0, fdatasync(appending.current.fd) == 0 else { return errno }
            appending.end = length
            return nil
        }
    }

    /// Where the task-path line of `id` went (``groupDurable(_:done:)``), once; nil if its write
    /// failed.
    func takeLocation(of id: String) -> IdempotencyJournalLocation? {
        writing.withLock { $0.unclaimed.removeValue(forKey: id) }
    }

    /// One fdatasync of everything written so far; nil on success, else the errno.
    func sync() -> Int32? {
        if let code = faults?.takeSyncFault() { return code }
        // Lines written to a file before it was rotated out were synced by the rotation.
        let file = writing.withLock { $0.current }
        return fdatasync(file.fd) == 0 ? nil : errno
    }

    /// Calls `done` once an fdatasync that started after this call has run (its failure logged):
    /// the first caller starts one, and callers arriving while it runs share the next one.
    func syncWritten(then done: @escaping @Sendable () -> Void) {
        let start = syncs.withLock { syncs -> Bool in
            syncs.written += 1
            syncs.waiting.append((syncs.written, done))
            guard !syncs.running else { return false }
            syncs.running = true
            return true
        }
        if start { syncQueue.async { self.syncWhileWaiting() } }
    }

    private func syncWhileWaiting() {
        while true {
            let target = syncs.withLock { $0.written }
            let failed = sync()
            if let failed {
                logger.warning(
                    "idempotency journal fdatasync failed; replay after a power loss may re-run these tasks",
                    metadata: ["errno": "\(failed)"])
            }
            let (ready, more) = syncs.withLock { syncs -> ([@Sendable () -> Void], Bool) in
                syncs.count += 1
                let ready = syncs.waiting.filter { $0.upTo <= target }.map(\.done)
                syncs.waiting.removeAll { $0.upTo <= target }
                if syncs.waiting.isEmpty { syncs.running = false }
                return (ready, !syncs.waiting.isEmpty)
            }
            for done in ready { done() }
            if !more { return }
        }
    }

    /// The lines of a group of outcome records, now durable: one write here, on the audit log's
    /// I/O queue, then a (shared) fdatasync on the journal's own queue before `done`. Each line's
    /// place is kept for the store (``takeLocation(of:)``) under its task id, the follow-up's key:
    /// the store then holds only that, not the outcome.
    func groupDurable(_ followUps: [AuditFollowUp], done: @escaping @Sendable () -> Void) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(followUps.reduce(0) { $0 + $1.item.count })
        for followUp in followUps { bytes += followUp.item }
        switch write(bytes) {
        case .failure(let failure):
            logger.warning(
                "idempotency journal write failed; replay after restart may re-run these tasks",
                metadata: ["lines": "\(followUps.count)", "errno": "\(failure.errno)"])
            done()
            return
        case .success(let written):
            writing.withLock { appending in
                if appending.unclaimed.count + followUps.count > Self.unclaimedLimit { appending.unclaimed.removeAll() }
                var offset = written.offset
                for followUp in followUps {
                    // The line without its newline.
                    appending.unclaimed[followUp.key] = IdempotencyJournalLocation(
                        offset: offset, length: Int32(followUp.item.count - 1), file: written.file)
                    offset += Int64(followUp.item.count)
                }
            }
        }
        syncWritten(then: done)
    }
}

/// Where one outcome's line lies in the journal, without its newline: what the store keeps of a
/// finished outcome instead of the outcome itself.
struct IdempotencyJournalLocation: Equatable {
    var offset: Int64
    var length: Int32
    /// Which of the journal's two files: the parity bit of ``IdempotencyJournal``'s files.
    var file: UInt8 = 0
}

/// A journal write or read that failed, with its errno.
struct IdempotencyJournalFailure: Error {
    var errno: Int32
}
