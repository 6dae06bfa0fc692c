/// Everything a worker process's event loop reacts to, in the order it happened.
enum WorkerEvent: Sendable {
    /// A caller hands over a task.
    case request(WorkerJob)
    /// One line the worker wrote on stdout.
    case line([UInt8])
    /// A stdout line over the limit (its first bytes).
    case lineTooLong([UInt8])
    /// The worker's stdout ended: it exited, or closed it.
    case stdoutClosed
    /// The job with this sequence number reached its deadline.
    case deadline(UInt64)
    /// Writing the job with this sequence number to the worker's stdin failed.
    case writeFailed(UInt64, String)
    /// The bee is shutting down.
    case stop
}
