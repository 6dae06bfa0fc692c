import Synchronization

/// Guardian decisions counted since the first start: approvals, and blocks by reason
/// (`beekeeper_guardian_decisions_total`). Thread-safe; the lock is held only for a dictionary
/// increment or a copy.
///
/// For exact rebuilds (SPEC section 6) a snapshot states the audit `seq` it covers: record each
/// decision with the `seq` of its `task.approved` / `task.blocked` record, in `seq` order (as
/// the audit writer assigns them), so that a snapshot counts exactly the records up to `lastSeq`.
public final class GuardianStats: Sendable {
    private let state: Mutex<Snapshot>

    public init(snapshot: Snapshot = .init()) {
        state = Mutex(snapshot)
    }

    /// Counts one decision. `auditSeq`, when given, is the audit record that holds it; the
    /// snapshot's `lastSeq` never goes backwards.
    public func record(_ decision: GuardianDecision, auditSeq: UInt64? = nil) {
        state.withLock { snapshot in
            switch decision {
            case .approved: snapshot.approved &+= 1
            case .blocked(let reason): snapshot.blocked[reason, default: 0] &+= 1
            }
            if let auditSeq, auditSeq > snapshot.lastSeq { snapshot.lastSeq = auditSeq }
        }
    }

    public func snapshot() -> Snapshot {
        state.withLock { $0 }
    }
}
