import BeekeeperAudit
import BeekeeperCore
import BeekeeperPipeline
import BeekeeperGuardian
import Logging

/// Guardian stats are derived from the audit log, so after any crash they equal the number of
/// `task.approved` and `task.blocked` records in it: counted as records become durable (in seq
/// order), persisted with the seq they cover, and on start rebuilt from that snapshot plus the
/// records after it.
extension GuardianStats {
    static func decision(type: String, reason: JSONValue?) -> GuardianDecision? {
        switch type {
        case "task.approved": return .approved
        case "task.blocked": return .blocked(reason: reason?.stringValue ?? "unknown")
        default: return nil
        }
    }

    /// The audit log's commit observer: counts decisions the moment they are durable.
    func countCommitted(_ committed: [(seq: UInt64, record: AuditRecord)]) {
        for (seq, record) in committed {
            let reason = record.fields.last(where: { $0.key == "reason" })?.value
            if let decision = GuardianStats.decision(type: record.type, reason: reason) { self.record(decision, auditSeq: seq) }
        }
    }

    /// Adds the decisions recorded after the snapshot's seq (those a crash kept from being persisted).
    /// Call before the first append of this run.
    func catchUp(auditDirectory: String, logSeq: UInt64, logger: Logger) throws {
        let covered = snapshot().lastSeq
        guard covered < logSeq else {
            if covered > logSeq {
                logger.warning(
                    "guardian stats cover audit records that are no longer in the log; keeping the persisted counts",
                    metadata: ["stats_seq": "\(covered)", "audit_last_seq": "\(logSeq)"])
            }
            return
        }
        var added = 0
        try AuditQuery(type: "task.*", afterSeq: covered).run(directory: auditDirectory, hmacKey: nil) { record, _ in
            if let type = record["type"]?.stringValue, let decision = GuardianStats.decision(type: type, reason: record["reason"]),
                let seq = record["seq"]?.intValue.map(UInt64.init)
            {
                self.record(decision, auditSeq: seq)
                added += 1
            }
            return true
        }
        logger.info("guardian stats rebuilt from the audit log", metadata: ["after_seq": "\(covered)", "decisions_added": "\(added)"])
    }
}
