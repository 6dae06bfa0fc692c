/// Hears about every attempt of a task, so the server can audit `task.started` and the
/// attempt's result before the task's final outcome is known.
public protocol BeeTaskObserver: Sendable {
    /// Called before the attempt's process is started or its line is sent to a worker.
    func attemptStarted(task: BeeTask, attempt: Int) async
    /// Called when the attempt is over; `willRetry` says whether another attempt follows
    /// (after a backoff).
    func attemptFinished(task: BeeTask, attempt: Int, result: AttemptResult, duration: Duration, willRetry: Bool) async
}
