/// When a `batch` group should wait for company before its fdatasync (``AuditLogOptions/commitDelay``):
/// the bookkeeping, free of clocks and continuations, so that it is tested alone.
///
/// The rule: a group waits only while it holds fewer waited appends than the last synced group
/// did, and only when that group had two or more. A lone caller (last group: one) never waits;
/// under load the groups grow to the number of callers that keep coming back, and every caller
/// already queued goes at once, so the wait ends early whenever company arrives.
struct CommitGathering {
    /// Waited appends (not detached records, not controls) queued since the writer last took work.
    private(set) var queuedWaiters = 0
    /// Waited appends of the last group that had any.
    private(set) var lastGroupWaiters = 0
    /// While the writer waits: how many queued waited appends end the wait.
    private(set) var target: Int?

    /// A waited append was queued; true when that ends the writer's wait.
    mutating func waiterQueued() -> Bool {
        queuedWaiters += 1
        guard let target, queuedWaiters >= target else { return false }
        self.target = nil
        return true
    }

    /// Whether the writer, about to take a group of records, should wait for company first; if
    /// so it is now waiting, for ``target`` waited appends.
    mutating func startWaiting() -> Bool {
        guard lastGroupWaiters >= 2, queuedWaiters > 0, queuedWaiters < lastGroupWaiters else { return false }
        target = lastGroupWaiters
        return true
    }

    /// The wait ended (enough company or the delay passed).
    mutating func stopWaiting() { target = nil }

    /// The writer took everything queued.
    mutating func tookQueue() { queuedWaiters = 0 }

    /// A group with `waiters` waited appends is being committed.
    mutating func committing(waiters: Int) {
        if waiters > 0 { lastGroupWaiters = waiters }
    }
}
