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
    /// Held for one write: the audit I/O queue and the store's actor both append.
    private let writing = Mutex(())
    private let syncQueue = DispatchQueue(label: "beekeeper.idempotency.sync")

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
    /// I/O queue, then a (shared) fdatasync on the journal's own queue before `done`.
    func groupDurable(_ items: [[UInt8]], done: @escaping @Sendable () -> Void) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(items.reduce(0) { $0 + $1.count })
        for item in items { bytes += item }
        if let failed = write(bytes) {
            logger.warning(
                "idempotency journal write failed; replay after restart may re-run these tasks",
                metadata: ["lines": "\(items.count)", "errno": "\(failed)"])
            done()
            return
        }
        syncWritten(then: done)
    }
}
