public import BeekeeperCore

/// The final result of a task after all its attempts. `duration` runs from the first attempt's
/// start to the last attempt's end, backoff included; time spent queued is not counted.
public enum BeeOutcome: Sendable, Equatable {
    case succeeded(result: JSONValue, attempts: Int, duration: Duration)
    case failed(error: String, attempts: Int, duration: Duration)
    case timedOut(attempts: Int, duration: Duration)

    public var attempts: Int {
        switch self {
        case .succeeded(_, let attempts, _), .failed(_, let attempts, _), .timedOut(let attempts, _): return attempts
        }
    }

    public var duration: Duration {
        switch self {
        case .succeeded(_, _, let duration), .failed(_, _, let duration), .timedOut(_, let duration): return duration
        }
    }
}
