/// How a worker's event loop ended, for the supervisor to report once the process is reaped.
struct WorkerLoopEnd: Sendable {
    /// The task the worker held when its stdout ended; it fails (transient) with the exit status.
    var pending: WorkerJob?
    var stderr: ByteTail
    /// The worker's stdout ended without us having asked it to stop (it crashed or quit).
    var exitedOnItsOwn: Bool
}
