import BeekeeperCore
import BeekeeperPipeline

extension TaskOutcome {
    /// The answer of `POST /v1/tasks` (SPEC section 4): 200 succeeded, 422 blocked, 502 failed,
    /// 504 timed out, 409 still running or the id reused for another payload, 503 with `Retry-After` when nothing ran or the outcome
    /// is not yet durable. A replay carries `Idempotent-Replay: true`.
    var httpAnswer: HTTPAnswer {
        let id = JSONValue.string(taskID)
        var answer: HTTPAnswer
        switch kind {
        case .succeeded(let result, _, let duration):
            answer = HTTPAnswer(status: 200, body: ["task_id": id, "outcome": "succeeded", "result": result, "duration_ms": duration.millisecondsJSON])
        case .failed(let error, _, let duration):
            answer = HTTPAnswer(status: 502, body: [
                "task_id": id, "outcome": "failed", "error": ["code": "failed", "message": .string(error)], "duration_ms": duration.millisecondsJSON,
            ])
        case .timedOut(_, let duration):
            answer = HTTPAnswer(status: 504, body: [
                "task_id": id, "outcome": "timed_out",
                "error": ["code": "timed_out", "message": "the bee did not answer within its timeout"], "duration_ms": duration.millisecondsJSON,
            ])
        case .blocked(let reason):
            answer = HTTPAnswer(status: 422, body: [
                "task_id": id, "outcome": "blocked", "reason": .string(reason),
                "error": ["code": "blocked", "message": .string("Guardian blocked the task: \(reason)")],
            ])
        case .rejected(let rejection):
            answer = HTTPAnswer(rejection.apiError)
        case .inProgress:
            answer = HTTPAnswer(APIError(status: 409, code: "task_running", message: "task \(taskID) is still running or its outcome is still being recorded"))
        case .idReused:
            answer = HTTPAnswer(APIError(
                status: 409, code: "id_reused",
                message: "task id \(taskID) was already used for a different request; use a new id for a new task"))
        case .unrecorded:
            answer = HTTPAnswer(TaskRejection.auditUnavailable.apiError)
        }
        if replayed { answer.headers.append(("Idempotent-Replay", "true")) }
        return answer
    }
}

extension TaskRejection {
    /// 503 with `Retry-After`; details (paths, errno) are in the log and `/readyz`, not here.
    var apiError: APIError {
        let message =
            switch self {
            case .queueFull: "the bee has max_queue tasks waiting"
            case .shuttingDown: "the sidecar is shutting down"
            case .auditUnavailable: "the audit log cannot record this request; see /readyz and retry later"
            case .replayUnavailable: "this id already finished, and its stored outcome cannot be read back now; retry later (it will not run again)"
            }
        return .unavailable(code: code, message, retryAfter: retryAfter.retryAfterSeconds)
    }
}
