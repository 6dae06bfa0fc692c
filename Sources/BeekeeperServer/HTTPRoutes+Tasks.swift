import BeekeeperCore
import BeekeeperGuardian
import BeekeeperPipeline

extension HTTPRoutes {
    /// `POST /v1/tasks`: body to submission, pipeline, outcome to answer.
    func submitTask(body: [UInt8], actor: String) async -> HTTPAnswer {
        let request: TaskRequest
        do {
            request = try TaskRequest(body: body)
        } catch {
            return HTTPAnswer(.badRequest(error.message))
        }
        return await pipeline.run(request.submission(body: body, actor: actor)).httpAnswer
    }

    /// `POST /v1/guardian/check`: the Guardian's decision without running anything.
    func checkTask(body: [UInt8], actor: String) async -> HTTPAnswer {
        let request: TaskRequest
        do {
            request = try TaskRequest(body: body)
        } catch {
            return HTTPAnswer(.badRequest(error.message))
        }
        do {
            switch try await pipeline.check(request.submission(body: body, actor: actor)) {
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
