import BeekeeperAudit
public import BeekeeperCore
public import BeekeeperGuardian
import BeekeeperMetrics
import Logging

extension TaskPipeline {
    // MARK: Guardian checks without a run (POST /v1/guardian/check)

    /// The Guardian's decision without running anything; counted and audited like a task's.
    public func check(_ submission: TaskSubmission) async throws(TaskRejection) -> GuardianDecision {
        guard await recorder.acceptsNewWork() else { throw .auditUnavailable }
        let decision = await guardian.judge(guardianRequest(submission))
        let fields = taskFields(id: submission.id, funcname: submission.funcname, source: submission.sourceFields) + [
            .init("check_only", true), .init("actor", .string(submission.actor)), .init("payload_bytes", .number(submission.payloadBytes)),
        ]
        do {
            try await record([TaskPipeline.decisionRecord(decision, fields: fields)])
        } catch {
            throw .auditUnavailable
        }
        return decision
    }

    // MARK: Executions a bee ran by itself (POST /v1/events)

    /// Why a batch of reported events was not recorded.
    public enum ReportFailure: Error, Sendable {
        /// Event `index` is malformed; nothing of the batch was recorded.
        case invalid(index: Int, message: String)
        case rejected(TaskRejection)
    }

    /// Records executions a bee ran by itself as `task.reported`, all or none; returns their seqs.
    public func report(events: [JSONValue], actor: String) async throws(ReportFailure) -> [UInt64] {
        var records: [AuditRecord] = []
        var observations: [(bee: String, funcname: String, outcome: String, seconds: Double?)] = []
        for (index, event) in events.enumerated() {
            do {
                let (record, observation) = try reportedRecord(event, actor: actor)
                records.append(record)
                observations.append(observation)
            } catch {
                throw .invalid(index: index, message: error.message)
            }
        }
        guard await recorder.acceptsNewWork() else { throw .rejected(.auditUnavailable) }
        let seqs: [UInt64]
        do {
            seqs = try await record(records)
        } catch {
            throw .rejected(.auditUnavailable)
        }
        for observation in observations {
            metrics.tasks.labels(observation.bee, observation.funcname, observation.outcome).increment()
            if let seconds = observation.seconds {
                metrics.taskDuration.labels(observation.bee, observation.funcname).observe(seconds)
                metrics.windows.record(bee: observation.bee, funcname: observation.funcname, seconds: seconds, success: observation.outcome == "succeeded")
            }
        }
        return seqs
    }

    static let reportedOutcomes: Set<String> = ["succeeded", "failed", "timed_out"]
    static let reportedFields: Set<String> = ["task_id", "bee", "funcname", "outcome", "duration_ms", "error", "attempt"]

    private func reportedRecord(_ event: JSONValue, actor: String) throws(InvalidEvent) -> (AuditRecord, (bee: String, funcname: String, outcome: String, seconds: Double?)) {
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

/// A reported event that is not what `POST /v1/events` accepts.
struct InvalidEvent: Error {
    var message: String
}
