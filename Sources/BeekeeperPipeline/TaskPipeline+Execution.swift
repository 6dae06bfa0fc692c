import BeekeeperAudit
import BeekeeperCore
import BeekeeperExecution
import BeekeeperGuardian
import BeekeeperMetrics
import Foundation
import Logging

extension TaskPipeline {
    /// Guardian, then the bee, then the terminal record: the body of ``run(_:)`` for a claimed id.
    /// `journalledAt` is set when the outcome's idempotency journal line rode on its record's
    /// group commit (``journalFollowUp(_:outcome:payloadSHA256:)``) with that time; nil leaves
    /// the journal to ``IdempotencyStore/finish(_:outcome:)``.
    ///
    /// Durable waits on this path, `batch` and `always`: at most two per task (SPEC section 1).
    /// (1) `task.received` + `task.approved` before the bee runs; `task.started` is queued
    /// detached (``AttemptAuditor``), with no wait of its own; (2) the terminal record, whose
    /// group commit also writes the journal line after the record's fdatasync (so the line is
    /// never durable before the record) and resumes the task once the journal's fdatasync is done
    /// (``IdempotencyJournal``). A blocked task has one: the group holding `task.blocked` carries
    /// its journal line.
    func execute(_ submission: TaskSubmission, id: String) async -> (TaskOutcome, journalledAt: Double?) {
        let beeName = beeLabel(submission.funcname)
        let funcname = funcnameLabel(submission.funcname)
        func rejected(_ rejection: TaskRejection) -> (TaskOutcome, journalledAt: Double?) {
            metrics.tasks.labels(beeName, funcname, "rejected").increment()
            return (TaskOutcome(taskID: id, kind: .rejected(rejection)), nil)
        }
        guard await recorder.acceptsNewWork() else { return rejected(.auditUnavailable) }

        let decision = await guardian.judge(guardianRequest(submission))
        let common = taskFields(id: id, funcname: submission.funcname, source: submission.sourceFields)
        var blocked: (kind: TaskOutcome.Kind, journal: (at: Double, followUp: AuditFollowUp)?)? = nil
        if case .blocked(let reason) = decision {
            let kind = TaskOutcome.Kind.blocked(reason: reason)
            blocked = (kind, journalFollowUp(id, outcome: kind, payloadSHA256: submission.payloadSHA256))
        }
        let decided: [UInt64]
        // The task's first durable wait (of two; a blocked task's only one, its journal line riding on it).
        do {
            decided = try await record(
                [
                    AuditRecord(type: "task.received", fields: receivedFields(submission, id: id)),
                    TaskPipeline.decisionRecord(decision, fields: common),
                ], followedBy: blocked?.journal?.followUp)
        } catch {
            return rejected(.auditUnavailable)
        }
        if let blocked {
            metrics.tasks.labels(beeName, funcname, "blocked").increment()
            return (TaskOutcome(taskID: id, kind: blocked.kind), decided.isEmpty ? nil : blocked.journal?.at)
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
        return await finish(
            outcome, id: id, payloadSHA256: submission.payloadSHA256, fields: common, bee: beeName, funcname: funcname)
    }

    /// The journal line of a final outcome as a follow-up of its audit record, with the time it
    /// holds; nil where the line must take ``IdempotencyStore/finish(_:outcome:)``: no journal
    /// open, or `interval`/`none`, where nothing waits for the record's fdatasync to follow.
    func journalFollowUp(_ id: String, outcome: TaskOutcome.Kind, payloadSHA256: String) -> (at: Double, followUp: AuditFollowUp)? {
        guard audit.options.fsync == .batch || audit.options.fsync == .always, let journal = idempotency.journal else { return nil }
        let at = Date().timeIntervalSince1970
        guard let line = IdempotencyStore.journalLine(id, outcome: outcome, at: at, payloadSHA256: payloadSHA256) else { return nil }
        return (at, AuditFollowUp(follower: journal, item: line, key: id))
    }

    /// Records the bee's outcome; the outcome is returned only once its record is durable, with
    /// its journal line (``execute(_:id:)``).
    private func finish(
        _ outcome: BeeOutcome, id: String, payloadSHA256: String, fields: [JSONValue.Member], bee: String, funcname: String
    ) async -> (TaskOutcome, journalledAt: Double?) {
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
        // (7 attempts over about 6 s, so a short disk hiccup still gets the real answer). The journal
        // line rides on each attempt and is written only by the one whose group became durable.
        // This is the task's second and last durable wait (the first: received + approved above).
        let journal = journalFollowUp(id, outcome: kind, payloadSHA256: payloadSHA256)
        for attempt in 0..<Self.terminalRecordAttempts {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(100 << (attempt - 1))) }
            if let seqs = try? await self.record([record], followedBy: journal?.followUp) {
                observe()
                // No seqs: dropped with fail_closed off, so the line did not follow; finish writes it.
                return (result, seqs.isEmpty ? nil : journal?.at)
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
        return (TaskOutcome(taskID: id, kind: .unrecorded), nil)
    }
}
