import BeekeeperAudit
import BeekeeperCore
import BeekeeperExecution
import BeekeeperGuardian
import BeekeeperMetrics
import Logging

extension TaskPipeline {
    /// Guardian, then the bee, then the terminal record: the body of ``run(_:)`` for a claimed id.
    func execute(_ submission: TaskSubmission, id: String) async -> TaskOutcome {
        let beeName = beeLabel(submission.funcname)
        let funcname = funcnameLabel(submission.funcname)
        func rejected(_ rejection: TaskRejection) -> TaskOutcome {
            metrics.tasks.labels(beeName, funcname, "rejected").increment()
            return TaskOutcome(taskID: id, kind: .rejected(rejection))
        }
        guard await recorder.acceptsNewWork() else { return rejected(.auditUnavailable) }

        let decision = await guardian.judge(guardianRequest(submission))
        let common = taskFields(id: id, funcname: submission.funcname, source: submission.sourceFields)
        do {
            try await record([
                AuditRecord(type: "task.received", fields: receivedFields(submission, id: id)),
                TaskPipeline.decisionRecord(decision, fields: common),
            ])
        } catch {
            return rejected(.auditUnavailable)
        }
        if case .blocked(let reason) = decision {
            metrics.tasks.labels(beeName, funcname, "blocked").increment()
            return TaskOutcome(taskID: id, kind: .blocked(reason: reason))
        }
        // Approved means a bee serves this funcname (the Guardian refuses unknown ones).
        guard let bee = beesByFuncname[submission.funcname] else {
            preconditionFailure("the Guardian approved funcname \(submission.funcname) that no bee serves")
        }

        let task = BeeTask(
            id: id, funcname: submission.funcname, args: submission.args, kwargs: submission.kwargs,
            timeout: submission.timeout, deadline: submission.deadline)
        let observer = AttemptAuditor(pipeline: self, fields: common)
        let inFlight = metrics.tasksInFlight.labels(beeName)
        inFlight.increment()
        defer { inFlight.decrement() }
        let outcome: BeeOutcome
        do {
            outcome = try await bee.run(task, observer: observer)
        } catch {
            let rejection: TaskRejection =
                switch error {
                case .queueFull(let retryAfter): .queueFull(retryAfter: retryAfter)
                case .shuttingDown: .shuttingDown
                }
            let message = rejection == .shuttingDown ? "the sidecar is shutting down" : "bee \(beeName) has max_queue tasks waiting"
            _ = try? await record([
                AuditRecord(type: "task.failed", fields: common + [.init("error", .string(message)), .init("reason", .string(rejection.code)), .init("attempt", 0)])
            ])
            return rejected(rejection)
        }
        return await finish(outcome, id: id, fields: common, bee: beeName, funcname: funcname)
    }

    /// Records the bee's outcome; the outcome is returned only once its record is durable.
    private func finish(_ outcome: BeeOutcome, id: String, fields: [JSONValue.Member], bee: String, funcname: String) async -> TaskOutcome {
        let kind: TaskOutcome.Kind
        let record: AuditRecord
        let attempt = JSONValue.Member("attempt", .number(outcome.attempts))
        let duration = JSONValue.Member("duration_ms", outcome.duration.millisecondsJSON)
        switch outcome {
        case .succeeded(let value, let attempts, let elapsed):
            kind = .succeeded(result: value, attempts: attempts, duration: elapsed)
            record = AuditRecord(type: "task.succeeded", fields: fields + [attempt, duration])
        case .failed(let error, let attempts, let elapsed):
            kind = .failed(error: error, attempts: attempts, duration: elapsed)
            record = AuditRecord(type: "task.failed", fields: fields + [attempt, duration, .init("error", .string(error))])
        case .timedOut(let attempts, let elapsed):
            kind = .timedOut(attempts: attempts, duration: elapsed)
            record = AuditRecord(type: "task.timed_out", fields: fields + [attempt, duration])
        }
        let result = TaskOutcome(taskID: id, kind: kind)
        let label = result.finalLabel ?? "failed"
        let observe: @Sendable () -> Void = { [metrics] in
            metrics.tasks.labels(bee, funcname, label).increment()
            metrics.taskDuration.labels(bee, funcname).observe(outcome.duration.seconds)
            metrics.windows.record(bee: bee, funcname: funcname, seconds: outcome.duration.seconds, success: label == "succeeded")
        }
        // The bee has run, and the answer must not precede its record: retry while the source waits
        // (7 attempts over about 6 s, so a short disk hiccup still gets the real answer).
        for attempt in 0..<Self.terminalRecordAttempts {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(100 << (attempt - 1))) }
            if (try? await self.record([record])) != nil {
                observe()
                return result
            }
        }
        // Still not durable: keep the id claimed, so a retry cannot run the bee again; keep trying
        // in the background and store the real outcome for replay once it is recorded.
        Task { [self] in
            var delay = Duration.seconds(1)
            while true {
                do {
                    try await self.record([record])
                    break
                } catch AuditError.closed {
                    self.logger.error(
                        "audit log closed before this outcome could be recorded",
                        metadata: ["task_id": "\(id)", "outcome": "\(label)"])
                    return
                } catch {
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(5))
                }
            }
            observe()
            await self.idempotency.finish(id, outcome: kind)
            self.logger.notice("late outcome recorded", metadata: ["task_id": "\(id)", "outcome": "\(label)"])
        }
        return TaskOutcome(taskID: id, kind: .unrecorded)
    }
}
