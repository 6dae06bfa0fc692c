#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One running worker process (one incarnation of a ``WorkerSlot``). Callers talk to it only
/// through its event loop.
final class WorkerProcess: Sendable {
    let id: UInt64
    let pid: pid_t
    private let events: AsyncStream<WorkerEvent>.Continuation

    init(id: UInt64, pid: pid_t, events: AsyncStream<WorkerEvent>.Continuation) {
        self.id = id
        self.pid = pid
        self.events = events
    }

    /// Runs `task` on this worker; the result comes by `deadline` at the latest.
    func perform(_ task: BeeTask, deadline: ContinuousClock.Instant) async -> AttemptResult {
        await withCheckedContinuation { (continuation: CheckedContinuation<AttemptResult, Never>) in
            let job = WorkerJob(task: task, deadline: deadline, continuation: continuation)
            if case .terminated = events.yield(.request(job)) {
                job.finish(.failed(error: "the worker exited before it got the task", transient: true))
            }
        }
    }

    func stop() {
        events.yield(.stop)
    }
}
