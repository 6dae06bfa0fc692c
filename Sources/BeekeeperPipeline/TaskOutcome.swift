public import BeekeeperCore

/// What became of one ``TaskSubmission``: the pipeline's whole answer, for any source to turn
/// into its own reply (an HTTP response, a ColonyOS close or fail).
public struct TaskOutcome: Sendable, Equatable {
    public var taskID: String
    public var kind: Kind
    /// True when this is the stored outcome of an earlier run of the same id (the bee did not run).
    public var replayed: Bool

    public init(taskID: String, kind: Kind, replayed: Bool = false) {
        self.taskID = taskID
        self.kind = kind
        self.replayed = replayed
    }

    public enum Kind: Sendable, Equatable {
        /// Final outcomes: durable in the audit log and stored for replay.
        case succeeded(result: JSONValue, attempts: Int, duration: Duration)
        case failed(error: String, attempts: Int, duration: Duration)
        case timedOut(attempts: Int, duration: Duration)
        case blocked(reason: String)
        /// Nothing ran and nothing is stored: the same id may be submitted again.
        case rejected(TaskRejection)
        /// The id is held by a run in progress (or by an outcome still being recorded).
        case inProgress
        /// The id was first used for a different payload (digest `originalSHA256`): refused,
        /// nothing ran, and the earlier outcome is not handed to a request it does not belong to.
        case idReused(originalSHA256: String)
        /// The bee ran but its terminal record is not durable yet. The id stays claimed, so the
        /// bee cannot run again; a background retry records and stores the outcome.
        case unrecorded
    }

    /// The label of `beekeeper_tasks_total{outcome}` and of the terminal audit record, for final outcomes.
    public var finalLabel: String? {
        switch kind {
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .timedOut: "timed_out"
        case .blocked: "blocked"
        case .rejected, .inProgress, .idReused, .unrecorded: nil
        }
    }

    /// Whether this outcome is the task's last word (stored, replayed for 24 h).
    public var isFinal: Bool { finalLabel != nil }
}

/// Why a task was refused before its bee ran.
public enum TaskRejection: Error, Sendable, Equatable {
    /// The bee has `max_queue` tasks waiting.
    case queueFull(retryAfter: Duration)
    /// The sidecar is draining.
    case shuttingDown
    /// The audit log cannot record the task (fail closed).
    case auditUnavailable
    /// The id finished before, but its stored outcome cannot be read back now (an I/O error on
    /// the idempotency journal): refused rather than run a second time.
    case replayUnavailable

    /// A stable code for error bodies and audit records.
    public var code: String {
        switch self {
        case .queueFull: "queue_full"
        case .shuttingDown: "shutting_down"
        case .auditUnavailable: "audit_unavailable"
        case .replayUnavailable: "replay_unavailable"
        }
    }

    /// When the client should come back.
    public var retryAfter: Duration {
        switch self {
        case .queueFull(let retryAfter): retryAfter
        case .shuttingDown, .auditUnavailable, .replayUnavailable: .seconds(5)
        }
    }
}
