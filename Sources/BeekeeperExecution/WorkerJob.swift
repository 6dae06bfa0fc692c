/// A task handed to one worker process, with the caller waiting for its result.
struct WorkerJob: Sendable {
    let task: BeeTask
    let deadline: ContinuousClock.Instant
    private let continuation: CheckedContinuation<AttemptResult, Never>

    init(task: BeeTask, deadline: ContinuousClock.Instant, continuation: CheckedContinuation<AttemptResult, Never>) {
        self.task = task
        self.deadline = deadline
        self.continuation = continuation
    }

    /// Must be called exactly once per job.
    func finish(_ result: AttemptResult) {
        continuation.resume(returning: result)
    }
}
