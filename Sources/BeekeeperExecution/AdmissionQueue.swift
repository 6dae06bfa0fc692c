import Synchronization

/// Lets at most `limit` tasks run at once and queues the rest in FIFO order, up to `maxQueue`.
/// Waiting is a continuation, never a poll.
final class AdmissionQueue: Sendable {
    private struct Waiter {
        let continuation: CheckedContinuation<Result<Void, BeeRejection>, Never>
    }

    private struct State {
        var running = 0
        var waiters: [Waiter] = []
        var closed = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
        /// Exponentially weighted mean task duration, for `Retry-After`.
        var meanSeconds: Double?
    }

    let limit: Int
    let maxQueue: Int
    private let state = Mutex(State())

    init(limit: Int, maxQueue: Int) {
        self.limit = max(1, limit)
        self.maxQueue = max(0, maxQueue)
    }

    var running: Int { state.withLock { $0.running } }
    var queued: Int { state.withLock { $0.waiters.count } }
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Takes a slot, waiting in line if all are busy.
    func acquire() async throws(BeeRejection) {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, BeeRejection>, Never>) in
            let immediate: Result<Void, BeeRejection>? = state.withLock { state in
                if state.closed { return .failure(.shuttingDown) }
                if state.running < limit, state.waiters.isEmpty {
                    state.running += 1
                    return .success(())
                }
                if state.waiters.count >= maxQueue {
                    return .failure(.queueFull(retryAfter: self.retryAfter(meanSeconds: state.meanSeconds)))
                }
                state.waiters.append(Waiter(continuation: continuation))
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        try result.get()
    }

    /// Gives a slot back, handing it straight to the longest waiter if there is one.
    func release(taskDuration: Duration) {
        let (next, idle): (Waiter?, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            let seconds = taskDuration.seconds
            state.meanSeconds = state.meanSeconds.map { $0 * 0.8 + seconds * 0.2 } ?? seconds
            if !state.waiters.isEmpty {
                return (state.waiters.removeFirst(), [])
            }
            state.running -= 1
            if state.running == 0 {
                defer { state.idleWaiters = [] }
                return (nil, state.idleWaiters)
            }
            return (nil, [])
        }
        next?.continuation.resume(returning: .success(()))
        for waiter in idle { waiter.resume() }
    }

    /// Refuses new tasks from now on. Tasks still waiting for a slot are refused too: they
    /// have not started, so their callers can retry them elsewhere, and shutdown is not held
    /// up by a long queue.
    func close() {
        let refused: [Waiter] = state.withLock { state in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in refused { waiter.continuation.resume(returning: .failure(.shuttingDown)) }
    }

    /// Returns once no admitted task is left.
    func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state in
                if state.running == 0 { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    /// The expected wait until some running task finishes, and so a place in the queue frees
    /// up: the mean task duration over the slots, in whole seconds, 1 s to 60 s.
    private func retryAfter(meanSeconds: Double?) -> Duration {
        let seconds = ((meanSeconds ?? 1) / Double(limit)).rounded(.up)
        return .seconds(Int64(min(60, max(1, seconds.isFinite ? seconds : 1))))
    }
}
