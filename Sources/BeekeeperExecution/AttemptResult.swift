public import BeekeeperCore

/// What one attempt of a task came to. A ``BeeOutcome`` sums up the attempts of a task.
public enum AttemptResult: Sendable, Equatable {
    case succeeded(JSONValue)
    /// `transient` failures (exit 75, a worker reply with `"transient": true`, a crashed worker)
    /// are retried per the bee's `retries`.
    case failed(error: String, transient: Bool)
    case timedOut
}
