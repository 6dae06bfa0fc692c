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
final class IdempotencyJournal: AuditGroupFollower {
    let path: String
    private let fd: Int32
    private let logger: Logger
    private let faults: AuditFaultInjector?
    /// Where the next line goes, with the lines written by the audit I/O queue that the store has
    /// not picked up yet: held for one write, since the audit I/O queue and the store's actor both
    /// append.
    private let writing: Mutex<Appending>
    private let syncQueue = DispatchQueue(label: "beekeeper.idempotency.sync")

    private struct Appending {
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

    /// Opens the journal for appending (and for reading outcomes back when a replay asks); nil if
    /// it cannot be opened (outcomes are then kept in memory only).
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
        self.path = path
        self.fd = fd
        self.logger = logger
        self.faults = faults
        self.writing = Mutex(Appending(end: Int64(end)))
    }

    deinit { close(fd) }

    /// Appends `bytes` (whole lines) with one write at the journal's end; the offset they start
    /// at, or the errno. A failed write is cut off again, so the file keeps only whole lines and
    /// the next line starts where this one should have.
    func write(_ bytes: [UInt8]) -> Result<Int64, IdempotencyJournalFailure> {
        if let code = faults?.takeWriteFault() { return .failure(.init(errno: code)) }
        return writing.withLock { appending in
            let offset = appending.end
            if let code = bytes.withUnsafeBytes({ UnixIO.writeAll(fd, $0, at: offset) }) {
                _ = ftruncate(fd, off_t(offset))
                return .failure(.init(errno: code))
            }
            appending.end += Int64(bytes.count)
            return .success(offset)
        }
    }

    /// The bytes of a line written earlier (``write(_:)``, or read at start); nil when the file
    /// ends before it (cut short under the store), the errno when the read failed.
    func read(_ location: IdempotencyJournalLocation) -> Result<[UInt8]?, IdempotencyJournalFailure> {
        if let code = faults?.takeReadFault() { return .failure(.init(errno: code)) }
        var bytes = [UInt8](repeating: 0, count: Int(location.length))
        let count = bytes.withUnsafeMutableBytes { UnixIO.readAll(fd, $0, at: location.offset) }
        if count < 0 { return .failure(.init(errno: errno)) }
        return .success(count == bytes.count ? bytes : nil)
    }

    /// Where the task-path line of `id` went (``groupDurable(_:done:)``), once; nil if its write
    /// failed.
    func takeLocation(of id: String) -> IdempotencyJournalLocation? {
        writing.withLock { $0.unclaimed.removeValue(forKey: id) }
    }

    /// One fdatasync of everything written so far; nil on success, else the errno.
    func sync() -> Int32? {
        if let code = faults?.takeSyncFault() { return code }
        return fdatasync(fd) == 0 ? nil : errno
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
        case .success(var offset):
            writing.withLock { appending in
                if appending.unclaimed.count + followUps.count > Self.unclaimedLimit { appending.unclaimed.removeAll() }
                for followUp in followUps {
                    // The line without its newline.
                    appending.unclaimed[followUp.key] = IdempotencyJournalLocation(offset: offset, length: Int32(followUp.item.count - 1))
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
}

/// A journal write or read that failed, with its errno.
struct IdempotencyJournalFailure: Error {
    var errno: Int32
}
