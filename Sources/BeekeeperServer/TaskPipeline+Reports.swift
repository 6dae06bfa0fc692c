import BeekeeperAudit
import BeekeeperCore
import BeekeeperGuardian
import BeekeeperMetrics

extension TaskPipeline {
    // MARK: POST /v1/guardian/check

    /// The Guardian's decision without running anything; counted and audited like a task's.
    func check(body: [UInt8], actor: String) async -> Answer {
        let request: TaskRequest
        do {
            request = try TaskRequest(body: body)
        } catch {
            return answer(.badRequest(error.message))
        }
        do {
            try await ensureAuditWritable()
        } catch {
            return answer(error)
        }
        let decision = guardian.check(guardianRequest(request, payloadBytes: body.count))
        var fields = taskFields(id: request.id ?? "", funcname: request.funcname)
        if request.id == nil { fields.removeFirst() }
        fields += [.init("check_only", true), .init("actor", .string(actor)), .init("payload_bytes", .number(body.count))]
        do {
            try await record([TaskPipeline.decisionRecord(decision, fields: fields)])
        } catch {
            return answer(auditUnavailable(error))
        }
        switch decision {
        case .approved: return Answer(status: 200, body: ["decision": "approved"])
        case .blocked(let reason): return Answer(status: 200, body: ["decision": "blocked", "reason": .string(reason)])
        }
    }

    // MARK: POST /v1/events

    /// Executions a bee ran by itself, recorded as `task.reported` (one object or an array).
    func report(body: [UInt8], actor: String) async -> Answer {
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(body)
        } catch {
            return answer(.badRequest("malformed JSON: \(error)"))
        }
        let events: [JSONValue]
        switch parsed {
        case .array(let items): events = items
        case .object: events = [parsed]
        default: return answer(.badRequest("body must be an event object or an array of them"))
        }
        guard !events.isEmpty else { return answer(.badRequest("no events")) }
        var records: [AuditRecord] = []
        var observations: [(bee: String, funcname: String, outcome: String, seconds: Double?)] = []
        for (index, event) in events.enumerated() {
            do {
                let (record, observation) = try reportedRecord(event, actor: actor)
                records.append(record)
                observations.append(observation)
            } catch {
                return answer(.badRequest("event \(index): \(error.message)"))
            }
        }
        do {
            try await ensureAuditWritable()
        } catch {
            return answer(error)
        }
        let seqs: [UInt64]
        do {
            seqs = try await record(records)
        } catch {
            return answer(auditUnavailable(error))
        }
        for observation in observations {
            metrics.tasks.labels(observation.bee, observation.funcname, observation.outcome).increment()
            if let seconds = observation.seconds {
                metrics.taskDuration.labels(observation.bee, observation.funcname).observe(seconds)
                metrics.windows.record(bee: observation.bee, funcname: observation.funcname, seconds: seconds, success: observation.outcome == "succeeded")
            }
        }
        return Answer(status: 200, body: [
            "recorded": .number(records.count),
            "first_seq": .number(String(seqs.first ?? 0)), "last_seq": .number(String(seqs.last ?? 0)),
        ])
    }

    static let reportedOutcomes: Set<String> = ["succeeded", "failed", "timed_out"]
    static let reportedFields: Set<String> = ["task_id", "bee", "funcname", "outcome", "duration_ms", "error", "attempt"]

    private func reportedRecord(_ event: JSONValue, actor: String) throws(TaskRequest.Invalid) -> (AuditRecord, (bee: String, funcname: String, outcome: String, seconds: Double?)) {
        guard case .object(let members) = event else { throw .init(message: "must be an object") }
        if let unknown = members.first(where: { !TaskPipeline.reportedFields.contains($0.key) }) {
            throw .init(message: "unknown field \"\(unknown.key)\"")
        }
        guard let taskID = event["task_id"]?.stringValue, !taskID.isEmpty else { throw .init(message: "task_id must be a non-empty string") }
        guard let funcname = event["funcname"]?.stringValue, !funcname.isEmpty else { throw .init(message: "funcname must be a non-empty string") }
        guard let outcome = event["outcome"]?.stringValue, TaskPipeline.reportedOutcomes.contains(outcome) else {
            throw .init(message: "outcome must be one of succeeded, failed, timed_out")
        }
        // A reporting bee may only speak for funcnames it serves, so series stay bounded.
        let bee: String
        if let named = event["bee"] {
            guard let name = named.stringValue else { throw .init(message: "bee must be a string") }
            guard beeNames[funcname] == name else { throw .init(message: "bee \"\(name)\" does not serve funcname \"\(funcname)\"") }
            bee = name
        } else {
            guard let owner = beeNames[funcname] else { throw .init(message: "no configured bee serves funcname \"\(funcname)\"") }
            bee = owner
        }
        var fields: [JSONValue.Member] = [.init("task_id", .string(taskID)), .init("bee", .string(bee)), .init("funcname", .string(funcname)), .init("outcome", .string(outcome))]
        var seconds: Double? = nil
        if let duration = event["duration_ms"] {
            guard let value = duration.doubleValue, value >= 0, value.isFinite else { throw .init(message: "duration_ms must be a non-negative number") }
            seconds = value / 1000
            fields.append(.init("duration_ms", duration))
        }
        if let attempt = event["attempt"] {
            guard let value = attempt.intValue, value >= 1 else { throw .init(message: "attempt must be a positive integer") }
            fields.append(.init("attempt", .number(value)))
        }
        if let error = event["error"] {
            guard let text = error.stringValue else { throw .init(message: "error must be a string") }
            fields.append(.init("error", .string(String(text.suffix(4096)))))
        }
        fields.append(.init("actor", .string(actor)))
        return (AuditRecord(type: "task.reported", fields: fields), (bee, funcname, outcome, seconds))
    }
}
