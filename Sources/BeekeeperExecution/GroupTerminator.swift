import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops one spawned bee process and its group: SIGTERM to the group when asked, SIGKILL to the
/// group `grace` later. Once the leader has been reaped, no signal is sent any more, so a
/// recycled pid can never be hit.
final class GroupTerminator: Sendable {
    private struct State {
        var group: ProcessGroup?
        var terminationRequestedAt: ContinuousClock.Instant?
        var reaped = false
    }

    let grace: Duration
    private let state = Mutex(State())
    private let requested = OneShotEvent()

    init(grace: Duration) {
        self.grace = grace
    }

    /// Called as soon as the process runs; delivers a termination asked for before that.
    func attach(_ group: ProcessGroup) {
        state.withLock { state in
            state.group = group
            if state.terminationRequestedAt != nil, !state.reaped { group.send(SIGTERM) }
        }
    }

    /// SIGTERM to the group now (once), SIGKILL after `grace` if ``escalate()`` runs.
    func terminate() {
        let first = state.withLock { state in
            guard state.terminationRequestedAt == nil else { return false }
            state.terminationRequestedAt = .now
            if let group = state.group, !state.reaped { group.send(SIGTERM) }
            return true
        }
        if first { requested.fire() }
    }

    /// SIGKILL to the group now, without grace (the process is of no further use).
    func kill() {
        state.withLock { state in
            if state.terminationRequestedAt == nil { state.terminationRequestedAt = .now }
            if let group = state.group, !state.reaped { group.send(SIGKILL) }
        }
        requested.fire()
    }

    var terminationRequested: Bool { state.withLock { $0.terminationRequestedAt != nil } }

    /// Runs beside the process: after a termination request, waits `grace`, then kills the
    /// group. Cancel it once the process has been reaped.
    func escalate() async {
        await requested.wait()
        guard !Task.isCancelled else { return }
        do {
            try await Task.sleep(for: grace)
        } catch {
            return
        }
        state.withLock { state in
            if let group = state.group, !state.reaped { group.send(SIGKILL) }
        }
    }

    /// Records that Subprocess reaped the leader; returns when stragglers in the group must be
    /// killed at the latest (now, if the process was never asked to stop: what a finished
    /// bee left behind is killed at once).
    func leaderReaped() -> (group: ProcessGroup?, killAt: ContinuousClock.Instant) {
        state.withLock { state in
            state.reaped = true
            let killAt = state.terminationRequestedAt.map { $0 + grace } ?? .now
            return (state.group, killAt)
        }
    }
}
