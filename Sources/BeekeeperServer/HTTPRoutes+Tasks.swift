import BeekeeperCore
import BeekeeperGuardian
import BeekeeperPipeline

extension HTTPRoutes {
    /// A task body as the pipeline's submission, or the 400 that says what is wrong with it.
    private func submission(body: SignedBody, actor: String) -> Result<TaskSubmission, APIError> {
        Result { () throws(TaskRequest.Invalid) in try TaskRequest(body: body.bytes).submission(body: body, actor: actor) }
            .mapError { $0.tooDeep ? .tooDeep($0.message) : .badRequest($0.message) }
    }

    /// `POST /v1/tasks`: body to submission, pipeline, outcome to answer.
    func submitTask(body: SignedBody, actor: String) async -> HTTPAnswer {
        switch submission(body: body, actor: actor) {
        case .success(let submission): return await pipeline.run(submission).httpAnswer
        case .failure(let error) where error.code == "too_deep":
            // As a Guardian block answers: the error and the outcome fields in one object.
            return HTTPAnswer(status: 422, body: [
                "error": ["code": "too_deep", "message": .string(error.message)], "outcome": "blocked", "reason": "too_deep",
            ])
        case .failure(let error): return HTTPAnswer(error)
        }
    }

    /// `POST /v1/guardian/check`: the Guardian's decision without running anything.
    func checkTask(body: SignedBody, actor: String) async -> HTTPAnswer {
        let submission: TaskSubmission
        switch self.submission(body: body, actor: actor) {
        case .success(let value): submission = value
        case .failure(let error) where error.code == "too_deep":
            return HTTPAnswer(status: 200, body: ["decision": "blocked", "reason": "too_deep"])
        case .failure(let error): return HTTPAnswer(error)
        }
        do {
            switch try await pipeline.check(submission) {
            case .approved: return HTTPAnswer(status: 200, body: ["decision": "approved"])
            case .blocked(let reason): return HTTPAnswer(status: 200, body: ["decision": "blocked", "reason": .string(reason)])
            }
        } catch {
            return HTTPAnswer(error.apiError)
        }
    }

    /// `POST /v1/events`: executions a bee ran by itself (one object or an array).
    func reportEvents(body: [UInt8], actor: String) async -> HTTPAnswer {
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(body)
        } catch {
            return HTTPAnswer(.badRequest("malformed JSON: \(error)"))
        }
        let events: [JSONValue]
        switch parsed {
        case .array(let items): events = items
        case .object: events = [parsed]
        default: return HTTPAnswer(.badRequest("body must be an event object or an array of them"))
        }
        guard !events.isEmpty else { return HTTPAnswer(.badRequest("no events")) }
        do {
            let seqs = try await pipeline.report(events: events, actor: actor)
            return HTTPAnswer(status: 200, body: [
                "recorded": .number(events.count),
                "first_seq": .number(String(seqs.first ?? 0)), "last_seq": .number(String(seqs.last ?? 0)),
            ])
        } catch {
            switch error {
            case .invalid(let index, let message): return HTTPAnswer(.badRequest("event \(index): \(message)"))
            case .rejected(let rejection): return HTTPAnswer(rejection.apiError)
            }
        }
    }
}
