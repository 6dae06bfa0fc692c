/// Why ``Bee/run(_:observer:)`` refused a task without running it.
public enum BeeRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// `max_queue` tasks are already waiting; `retryAfter` estimates when a slot frees up (≥ 1 s).
    case queueFull(retryAfter: Duration)
    /// ``Bee/shutdown()`` has begun.
    case shuttingDown

    public var description: String {
        switch self {
        case .queueFull(let retryAfter): return "the bee's queue is full, retry after \(retryAfter.components.seconds)s"
        case .shuttingDown: return "the bee is shutting down"
        }
    }
}
