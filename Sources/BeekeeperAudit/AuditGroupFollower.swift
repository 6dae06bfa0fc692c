import Synchronization

/// Work that may reach the disk only after some audit records have, done as part of their group
/// commit instead of after it: an append names one with ``AuditLog/append(_:followedBy:)``.
///
/// Why it exists: a file whose lines stand for audit records (the idempotency journal: a
/// finished outcome per `task.succeeded`) must never hold, durably, a line whose record is not
/// durable. Waiting for the record and then writing and syncing the line costs every caller a
/// second wait; run here, the line is written right after the group's fdatasync, on the same
/// thread, and the caller is resumed once for both. The log knows nothing of what the items mean.
public protocol AuditGroupFollower: AnyObject, Sendable {
    /// Runs on the log's I/O queue once per group, with the follow-ups of every append of the group
    /// that named this follower, in seq order: after the group was written and (in `always` and
    /// `batch`) fdatasync'ed. Never runs for a group whose write or fdatasync failed. The log's
    /// writer waits for it, so it should only start its work (a write) and call `done`, from any
    /// thread, once that work is as durable as it must be (its own fdatasync, on its own queue):
    /// the group's appenders are resumed only after every follower of the group called `done`,
    /// while the writer goes on with the next group. `done` must be called exactly once, failure
    /// or not: the follower cannot fail the group, so it reports its own errors.
    func groupDurable(_ followUps: [AuditFollowUp], done: @escaping @Sendable () -> Void)
}

/// What one append hands its follower once its records are durable.
public struct AuditFollowUp: Sendable {
    public let follower: any AuditGroupFollower
    public let item: [UInt8]
    /// What the follower files the item under (the idempotency journal: the task id), handed
    /// back with it so the follower need not read it out of the bytes; the log never reads it.
    public let key: String

    public init(follower: any AuditGroupFollower, item: [UInt8], key: String = "") {
        self.follower = follower
        self.item = item
        self.key = key
    }
}

/// The follow-ups of one group, one batch per follower, each in the order its appends came.
struct AuditFollowUpBatches: Sendable {
    private var batches: [(follower: any AuditGroupFollower, followUps: [AuditFollowUp])] = []

    init(_ followUps: some Sequence<AuditFollowUp>) {
        for followUp in followUps {
            if let index = batches.firstIndex(where: { $0.follower === followUp.follower }) {
                batches[index].followUps.append(followUp)
            } else {
                batches.append((followUp.follower, [followUp]))
            }
        }
    }

    var count: Int { batches.count }

    func run(_ gate: AuditFollowUpGate) {
        for batch in batches { batch.follower.groupDurable(batch.followUps) { gate.arrive() } }
    }
}

/// Resumes a group's appenders once both the log's bookkeeping of the group (seq, chain, the
/// commit observer: Guardian stats stay exact) and every follower of the group are done,
/// whichever comes last and on whatever thread it comes.
final class AuditFollowUpGate: Sendable {
    private struct State {
        var remaining: Int
        var resume: (@Sendable () -> Void)?
    }

    private let state: Mutex<State>

    /// `followers` parties besides the log itself.
    init(followers: Int) { state = Mutex(State(remaining: followers + 1)) }

    /// A follower is done.
    func arrive() { arrive(resume: nil) }

    /// The log is done with the group; `resume` answers its appenders.
    func arrive(resume: (@Sendable () -> Void)?) {
        let ready = state.withLock { state -> (@Sendable () -> Void)? in
            if let resume { state.resume = resume }
            state.remaining -= 1
            return state.remaining == 0 ? state.resume : nil
        }
        ready?()
    }
}
