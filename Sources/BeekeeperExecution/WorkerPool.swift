import Synchronization

/// The worker processes of one bee that are alive, which of them are idle, and callers waiting
/// for an idle one (FIFO).
final class WorkerPool: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<WorkerProcess?, Never>
    }

    private struct State {
        var live: Set<UInt64> = []
        var idle: [WorkerProcess] = []
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var restarts: UInt64 = 0
        var closed = false
    }

    private let state = Mutex(State())

    var liveCount: Int { state.withLock { $0.live.count } }
    var restarts: UInt64 { state.withLock { $0.restarts } }

    /// An idle worker, reserved for the caller until it is put back with ``makeIdle(_:)``; nil
    /// if none became idle before `deadline` or the pool is closed.
    func checkout(until deadline: ContinuousClock.Instant) async -> WorkerProcess? {
        // An idle worker is taken at once, without the waiting machinery below (a child task with
        // its deadline timer, a continuation): admission lets at most `concurrency` tasks in, so
        // one of the `concurrency` workers is nearly always idle when a task gets here.
        let (immediate, id): (WorkerProcess??, UInt64) = state.withLock { state in
            if !state.idle.isEmpty, state.waiters.isEmpty { return (.some(state.idle.removeFirst()), 0) }
            if state.closed { return (.some(nil), 0) }
            state.nextWaiterID += 1
            return (nil, state.nextWaiterID)
        }
        if let immediate { return immediate }
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
                self.expire(id)
            }
            let worker = await withCheckedContinuation { (continuation: CheckedContinuation<WorkerProcess?, Never>) in
                let immediate: WorkerProcess?? = state.withLock { state in
                    if !state.idle.isEmpty { return .some(state.idle.removeFirst()) }
                    // Checked under the lock: if the deadline has not passed yet, the expiry that
                    // comes after it will find this waiter.
                    if state.closed || ContinuousClock.now >= deadline { return .some(nil) }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
            group.cancelAll()
            return worker
        }
    }

    private func expire(_ id: UInt64) {
        let waiter: Waiter? = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: nil)
    }

    /// A freshly spawned worker.
    func becameLive(_ worker: WorkerProcess) {
        state.withLock { state in
            _ = state.live.insert(worker.id)
        }
        makeIdle(worker)
    }

    /// The worker finished its task and can take another (ignored once it is retired).
    func makeIdle(_ worker: WorkerProcess) {
        let waiter: Waiter? = state.withLock { state in
            guard state.live.contains(worker.id) else { return nil }
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.idle.append(worker)
            return nil
        }
        waiter?.continuation.resume(returning: worker)
    }

    /// The worker is dying; `restarting` counts a restart for ``restarts``.
    func retire(_ worker: WorkerProcess, restarting: Bool) {
        state.withLock { state in
            guard state.live.remove(worker.id) != nil else { return }
            state.idle.removeAll { $0.id == worker.id }
            if restarting { state.restarts += 1 }
        }
    }

    /// A spawn that failed before any worker ran still counts as a restart.
    func countFailedStart() {
        state.withLock { $0.restarts += 1 }
    }

    /// No more checkouts; waiting callers get nil.
    func close() {
        let waiters: [Waiter] = state.withLock { state in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
    }
}
