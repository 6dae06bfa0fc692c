import BeekeeperAudit
import BeekeeperCore
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
/// fdatasyncs them. Lines reach it two ways, and both may run at once, so writes are serialized here:
/// - riding on the audit group commit of their outcome record (``groupDurable(_:)``, on the audit
///   log's I/O queue, after that group's fdatasync): the task path in `batch` and `always`;
/// - from ``IdempotencyStore/finish(_:outcome:)`` after the record was awaited: late outcomes, and
///   `interval`/`none`, whose appends nothing waits for.
///
/// A failed write or fdatasync is logged and otherwise ignored: the task is answered all the same
/// (its audit record is durable), and only a replay after a restart or power cut may run it again.
final class IdempotencyJournal: AuditGroupFollower {
    let path: String
    private let fd: Int32
    private let logger: Logger
    private let faults: AuditFaultInjector?
    /// Held for one write: the audit I/O queue and the store's actor both append.
    private let writing = Mutex(())
    private let syncs = Atomic<Int>(0)

    /// fdatasync calls of finished outcomes' lines (not the one at start); tests check grouping with it.
    var syncCount: Int { syncs.load(ordering: .relaxed) }

    /// Opens the journal for appending; nil if it cannot be opened (outcomes are then kept in memory only).
    init?(path: String, logger: Logger, faults: AuditFaultInjector?) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            logger.warning(
                "could not open the idempotency journal; outcomes are replayed only until a restart",
                metadata: ["path": "\(path)", "errno": "\(code)"])
            return nil
        }
        lseek(fd, 0, SEEK_END)
        self.path = path
        self.fd = fd
        self.logger = logger
        self.faults = faults
    }

    deinit { close(fd) }

    /// Appends `bytes` (whole lines) with one write; nil on success, else the errno.
    func write(_ bytes: [UInt8]) -> Int32? {
        if let code = faults?.takeWriteFault() { return code }
        return writing.withLock { _ in bytes.withUnsafeBytes { UnixIO.writeAll(fd, $0) } }
    }

    /// One fdatasync of everything written so far; nil on success, else the errno.
    func sync() -> Int32? {
        if let code = faults?.takeSyncFault() { return code }
        return fdatasync(fd) == 0 ? nil : errno
    }

    /// An fdatasync for finished outcomes' lines: counted, and a failure logged.
    func syncLines() {
        let failed = sync()
        syncs.add(1, ordering: .relaxed)
        if let failed {
            logger.warning(
                "idempotency journal fdatasync failed; replay after a power loss may re-run these tasks",
                metadata: ["errno": "\(failed)"])
        }
    }

    /// The lines of a group of outcome records, now durable: one write, one fdatasync.
    func groupDurable(_ items: [[UInt8]]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(items.reduce(0) { $0 + $1.count })
        for item in items { bytes += item }
        if let failed = write(bytes) {
            logger.warning(
                "idempotency journal write failed; replay after restart may re-run these tasks",
                metadata: ["lines": "\(items.count)", "errno": "\(failed)"])
            return
        }
        syncLines()
    }
}
