public import BeekeeperAudit
import BeekeeperConfig
import BeekeeperMetrics
public import Logging
import Synchronization

/// Every record the sidecar writes goes through here: the append waits for durability (per
/// `audit.fsync`), and records and failures are counted. Shared by the task pipeline, the HTTP
/// layer (`auth.denied`), the shipper, backups and the ColonyOS source.
public final class AuditRecorder: Sendable {
    public let audit: AuditLog
    let metrics: SidecarMetrics
    let failClosed: Bool
    /// The highest durable seq this process has seen, readable by a scrape without awaiting the actor.
    let durableSeq = Atomic<UInt64>(0)
    let logger: Logger

    public init(audit: AuditLog, metrics: SidecarMetrics, failClosed: Bool, logger: Logger) {
        self.audit = audit
        self.metrics = metrics
        self.failClosed = failClosed
        self.logger = logger
    }

    public var lastDurableSeq: UInt64 { durableSeq.load(ordering: .relaxed) }

    /// Appends and waits for durability; counts records and failures. A `followUp` runs as part
    /// of the records' group commit, once they are durable (``AuditLog/append(_:followedBy:)``);
    /// it did run when the returned seqs are not empty.
    @discardableResult
    public func record(_ records: [AuditRecord], followedBy followUp: AuditFollowUp? = nil) async throws -> [UInt64] {
        do {
            let seqs = try await audit.append(records, followedBy: followUp)
            // With fail_closed off a failed append drops the records and returns no seqs: work goes on unaudited.
            guard seqs.count == records.count else {
                metrics.auditWriteErrors.labels().increment()
                if failClosed { throw AuditDropped() }
                return []
            }
            for record in records { metrics.auditRecords.labels(record.type).increment() }
            if let last = seqs.last { durableSeq.max(last, ordering: .relaxed) }
            return seqs
        } catch {
            metrics.auditWriteErrors.labels().increment()
            logger.error("audit append failed", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Queues records without waiting for durability (``AuditLog/appendDetached(_:)``): for a
    /// record that a later waited one makes durable with it. Counted when queued.
    public func recordDetached(_ records: [AuditRecord]) async {
        do {
            try await audit.appendDetached(records)
            for record in records { metrics.auditRecords.labels(record.type).increment() }
        } catch {
            metrics.auditWriteErrors.labels().increment()
            logger.error("audit append failed", metadata: ["error": "\(error)"])
        }
    }

    /// False while the audit log cannot write and `audit.fail_closed` says new work must wait.
    /// Reads the log's health without a hop onto its actor (``AuditLog/isFailing``).
    public func acceptsNewWork() async -> Bool {
        guard failClosed else { return true }
        return !audit.isFailing
    }
}

/// The audit log could not take the records (and did not throw because `fail_closed` is off).
struct AuditDropped: Error, CustomStringConvertible {
    var description: String { "the audit log dropped the records" }
}
