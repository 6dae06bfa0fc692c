package import BeekeeperCore

extension TaskOutcome.Kind {
    /// The JSON a final outcome is stored as (idempotency journal, owed ColonyOS reports).
    /// Non-final kinds are never stored.
    package var journalJSON: JSONValue? {
        switch self {
        case .succeeded(let result, let attempts, let duration):
            ["outcome": "succeeded", "result": result, "attempts": .number(attempts), "duration_ms": duration.millisecondsJSON]
        case .failed(let error, let attempts, let duration):
            ["outcome": "failed", "error": .string(error), "attempts": .number(attempts), "duration_ms": duration.millisecondsJSON]
        case .timedOut(let attempts, let duration):
            ["outcome": "timed_out", "attempts": .number(attempts), "duration_ms": duration.millisecondsJSON]
        case .blocked(let reason):
            ["outcome": "blocked", "reason": .string(reason)]
        case .rejected, .inProgress, .idReused, .unrecorded:
            nil
        }
    }

    /// Reads what ``journalJSON`` wrote; nil for anything else.
    package init?(journalJSON value: JSONValue) {
        let attempts = value["attempts"]?.intValue ?? 1
        let duration = Duration.milliseconds(value["duration_ms"]?.doubleValue ?? 0)
        switch value["outcome"]?.stringValue {
        case "succeeded"?: self = .succeeded(result: value["result"] ?? .null, attempts: attempts, duration: duration)
        case "failed"?:
            guard let error = value["error"]?.stringValue else { return nil }
            self = .failed(error: error, attempts: attempts, duration: duration)
        case "timed_out"?: self = .timedOut(attempts: attempts, duration: duration)
        case "blocked"?:
            guard let reason = value["reason"]?.stringValue else { return nil }
            self = .blocked(reason: reason)
        default: return nil
        }
    }

    /// A journal line of the previous release stored the HTTP answer (`status` and `body`); its
    /// body names the outcome, so a data directory written by it still replays after an upgrade.
    package init?(legacyHTTPBody body: JSONValue) {
        let duration = Duration.milliseconds(body["duration_ms"]?.doubleValue ?? 0)
        switch body["outcome"]?.stringValue {
        case "succeeded"?: self = .succeeded(result: body["result"] ?? .null, attempts: 1, duration: duration)
        case "failed"?: self = .failed(error: body["error"]?["message"]?.stringValue ?? "", attempts: 1, duration: duration)
        case "timed_out"?: self = .timedOut(attempts: 1, duration: duration)
        case "blocked"?: self = .blocked(reason: body["reason"]?.stringValue ?? "")
        default: return nil
        }
    }
}
