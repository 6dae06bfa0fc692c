import Synchronization

/// The deadline of the job a worker runs, watched by one sleeping task per worker instead of
/// one per job.
///
/// A task per job cost its creation, a scheduling to reach its sleep and another to end it when
/// the reply came first (nearly always), and every cancelled sleep left its timer pending in
/// Dispatch until the deadline: at thousands of tasks a second and a 60 s timeout, hundreds of
/// thousands of them. Here a job only records its deadline; the one sleeper wakes at the
/// earliest deadline it was armed for, fires if the job then running is past its own, and else
/// sleeps on until that job's deadline. It is re-armed (the old sleeper cancelled) only when a
/// job's deadline comes before the time it sleeps to, so jobs with one bee timeout, whose
/// deadlines only grow, never re-arm it.
final class DeadlineWatch: Sendable {
    private struct State {
        var active: (sequence: UInt64, deadline: ContinuousClock.Instant)?
        /// When the sleeper wakes; nil: no sleeper.
        var wakeAt: ContinuousClock.Instant?
        var sleeper: Task<Void, Never>?
        /// Tells a sleeper that was replaced (but woke before its cancellation) to do nothing.
        var generation: UInt64 = 0
        var stopped = false
    }

    private let state = Mutex(State())
    private let expired: @Sendable (UInt64) -> Void

    /// - Parameter expired: called with a job's sequence number once its deadline has passed
    ///   while it was still the job watched.
    init(expired: @escaping @Sendable (UInt64) -> Void) {
        self.expired = expired
    }

    /// Watches job `sequence` until `deadline`, in place of the job watched before.
    func watch(_ sequence: UInt64, until deadline: ContinuousClock.Instant) {
        let replaced: Task<Void, Never>? = state.withLock { state in
            guard !state.stopped else { return nil }
            state.active = (sequence, deadline)
            if let wakeAt = state.wakeAt, wakeAt <= deadline { return nil }
            return arm(&state, until: deadline)
        }
        replaced?.cancel()
    }

    /// The watched job is over (its reply came, or it failed): nothing fires for it.
    func clear() {
        state.withLock { $0.active = nil }
    }

    /// Nothing fires from now on; the sleeper is cancelled.
    func stop() {
        let sleeper: Task<Void, Never>? = state.withLock { state in
            state.stopped = true
            state.active = nil
            state.wakeAt = nil
            defer { state.sleeper = nil }
            return state.sleeper
        }
        sleeper?.cancel()
    }

    /// Starts a sleeper until `deadline`; returns the one it replaces, to be cancelled outside the lock.
    private func arm(_ state: inout State, until deadline: ContinuousClock.Instant) -> Task<Void, Never>? {
        state.generation += 1
        let generation = state.generation
        let previous = state.sleeper
        state.wakeAt = deadline
        state.sleeper = Task { [self] in
            guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
            woke(generation)
        }
        return previous
    }

    private func woke(_ generation: UInt64) {
        let fire: UInt64? = state.withLock { state in
            guard state.generation == generation, !state.stopped else { return nil }
            state.wakeAt = nil
            state.sleeper = nil
            guard let active = state.active else { return nil }
            if active.deadline <= ContinuousClock.now {
                state.active = nil
                return active.sequence
            }
            // This sleeper is done and was just taken out of the state: nothing to cancel.
            _ = arm(&state, until: active.deadline)
            return nil
        }
        if let fire { expired(fire) }
    }
}
