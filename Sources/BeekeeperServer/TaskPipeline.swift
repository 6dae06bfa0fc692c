import BeekeeperAudit
import BeekeeperConfig
import BeekeeperCore
import BeekeeperExecution
import BeekeeperGuardian
import BeekeeperMetrics
import Foundation
import Logging
import Sodium
import Synchronization

/// The path of one task through the sidecar: idempotency, Guardian, bee, audit, metrics.
/// Every answer that says a task ran, was blocked or was recorded is returned only after the
/// audit records behind it are durable.
final class TaskPipeline: Sendable {
    /// Attempts at a terminal record while its client waits (delays 0.1 s doubling to 3.2 s).
    static let terminalRecordAttempts = 7

    struct Answer: Sendable {
        var status: Int
        var body: JSONValue
        var headers: [(String, String)] = []
        var idempotency: IdempotencyEffect = .store
    }

    /// What an answer means for its task id.
    enum IdempotencyEffect: Sendable {
        /// The outcome is final: replay it for 24 h.
        case store
        /// Nothing ran (queue full, audit unavailable before the bee started): the id may be retried.
        case release
        /// The bee ran but its outcome is not recorded yet: the claim stays (duplicates get 409)
        /// until a background retry records it and stores the outcome.
        case keep
    }

    let audit: AuditLog
    let guardian: Guardian
    let beesByFuncname: [String: Bee]
    let beeNames: [String: String]
    let idempotency: IdempotencyStore
    let metrics: SidecarMetrics
    let failClosed: Bool
    /// The highest durable seq this process has seen, readable by a scrape without awaiting the actor.
    let durableSeq = Atomic<UInt64>(0)
    let logger: Logger

    init(
        audit: AuditLog, guardian: Guardian, bees: [Bee],
        idempotency: IdempotencyStore, metrics: SidecarMetrics, auditConfig: AuditConfig, logger: Logger
    ) {
        var byFuncname: [String: Bee] = [:]
        var names: [String: String] = [:]
        for bee in bees {
            for funcname in bee.configuration.funcnames {
                byFuncname[funcname] = bee
                names[funcname] = bee.configuration.name
            }
        }
        self.audit = audit
        self.guardian = guardian
        self.beesByFuncname = byFuncname
        self.beeNames = names
        self.idempotency = idempotency
        self.metrics = metrics
        self.failClosed = auditConfig.failClosed
        self.logger = logger
    }

    // MARK: Writing the audit log

    /// Appends and waits for durability; counts records and failures.
    @discardableResult
    func record(_ records: [AuditRecord]) async throws -> [UInt64] {
        do {
            let seqs = try await audit.append(records)
            // With fail_closed off a failed append drops the records and returns no seqs: work goes on unaudited.
            guard seqs.count == records.count else {
                metrics.auditWriteErrors.labels().increment()
                if failClosed { throw AuditDropped() }
                return []
            }
            for record in records { metrics.auditRecords.labels(record.type).increment() }
            if let last = seqs.last { durableSeq.max(last, ordering: .relaxed) }
            return seqs
        } catch {
            metrics.auditWriteErrors.labels().increment()
            logger.error("audit append failed", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Details (paths, errno) go to the log and /readyz, not to callers who may be unauthenticated.
    func auditUnavailable(_ error: any Error) -> APIError {
        logger.error("audit log cannot record a request", metadata: ["error": "\(error)"])
        return .unavailable(code: "audit_unavailable", "the audit log cannot record this request; retry later", retryAfter: 5)
    }

    /// Refuses new work while the audit log cannot write, when `audit.fail_closed` is set.
    func ensureAuditWritable() async throws(APIError) {
        guard failClosed else { return }
        if case .failing = await audit.health {
            throw .unavailable(code: "audit_unavailable", "the audit log is not writable; see /readyz", retryAfter: 5)
        }
    }

    // MARK: Common task fields

    func beeLabel(_ funcname: String) -> String { beeNames[funcname] ?? SidecarMetrics.noBee }
    func funcnameLabel(_ funcname: String) -> String { beeNames[funcname] == nil ? SidecarMetrics.unknownFuncname : funcname }

    func taskFields(id: String, funcname: String) -> [JSONValue.Member] {
        var fields = [JSONValue.Member("task_id", .string(id))]
        if let bee = beeNames[funcname] { fields.append(.init("bee", .string(bee))) }
        fields.append(.init("funcname", .string(funcname)))
        return fields
    }

    /// Fields of `task.received`: sizes and digests of the payload, never the payload itself;
    /// `audit.hmac_fields` as keyed digests so auditors can look them up by value.
    func receivedFields(request: TaskRequest, id: String, body: [UInt8], actor: String) -> [JSONValue.Member] {
        var fields = taskFields(id: id, funcname: request.funcname)
        fields.append(.init("payload_bytes", .number(body.count)))
        fields.append(.init("payload_sha256", .string(Hex.encode(SHA256.hash(body)))))
        fields.append(.init("actor", .string(actor)))
        fields += audit.hmacMembers(for: ["args": request.args, "kwargs": request.kwargs])
        return fields
    }

    func duplicateRecord(id: String, funcname: String, state: JSONValue, actor: String) -> AuditRecord {
        AuditRecord(type: "task.duplicate", fields: taskFields(id: id, funcname: funcname) + [.init("state", state), .init("actor", .string(actor))])
    }

    func guardianRequest(_ request: TaskRequest, payloadBytes: Int) -> GuardianRequest {
        GuardianRequest(funcname: request.funcname, args: request.args, kwargs: request.kwargs, payloadBytes: payloadBytes)
    }

    static func decisionRecord(_ decision: GuardianDecision, fields: [JSONValue.Member]) -> AuditRecord {
        switch decision {
        case .approved: return AuditRecord(type: "task.approved", fields: fields)
        case .blocked(let reason): return AuditRecord(type: "task.blocked", fields: fields + [.init("reason", .string(reason))])
        }
    }

    // MARK: POST /v1/tasks

    func submit(body: [UInt8], actor: String) async -> Answer {
        let request: TaskRequest
        do {
            request = try TaskRequest(body: body)
        } catch {
            return answer(.badRequest(error.message))
        }
        let id = request.id ?? UUID().uuidString.lowercased()

        switch await idempotency.claim(id) {
        case .claimed:
            break
        case .running:
            _ = try? await record([duplicateRecord(id: id, funcname: request.funcname, state: "running", actor: actor)])
            return answer(APIError(status: 409, code: "task_running", message: "task \(id) is still running or its outcome is still being recorded"))
        case .finished(let stored):
            do {
                try await record([duplicateRecord(id: id, funcname: request.funcname, state: "finished", actor: actor)])
            } catch {
                return answer(auditUnavailable(error))
            }
            return Answer(status: stored.status, body: stored.body, headers: [("Idempotent-Replay", "true")])
        }

        let answer = await execute(request, id: id, body: body, actor: actor)
        switch answer.idempotency {
        case .store: await idempotency.finish(id, response: .init(status: answer.status, body: answer.body))
        case .release: await idempotency.release(id)
        case .keep: break
        }
        return answer
    }

    private func execute(_ request: TaskRequest, id: String, body: [UInt8], actor: String) async -> Answer {
        let beeName = beeLabel(request.funcname)
        let funcname = funcnameLabel(request.funcname)
        do {
            try await ensureAuditWritable()
        } catch {
            metrics.tasks.labels(beeName, funcname, "rejected").increment()
            return answer(error)
        }

        let decision = guardian.check(guardianRequest(request, payloadBytes: body.count))
        let common = taskFields(id: id, funcname: request.funcname)
        do {
            try await record([
                AuditRecord(type: "task.received", fields: receivedFields(request: request, id: id, body: body, actor: actor)),
                TaskPipeline.decisionRecord(decision, fields: common),
            ])
        } catch {
            metrics.tasks.labels(beeName, funcname, "rejected").increment()
            return answer(auditUnavailable(error))
        }
        if case .blocked(let reason) = decision {
            metrics.tasks.labels(beeName, funcname, "blocked").increment()
            return Answer(status: 422, body: [
                "task_id": .string(id), "outcome": "blocked", "reason": .string(reason),
                "error": ["code": "blocked", "message": .string("Guardian blocked the task: \(reason)")],
            ])
        }
        // Approved means a bee serves this funcname (Guardian refuses unknown ones).
        guard let bee = beesByFuncname[request.funcname] else {
            return answer(APIError(status: 500, code: "internal", message: "no bee serves \(request.funcname)"))
        }

        let task = BeeTask(id: id, funcname: request.funcname, args: request.args, kwargs: request.kwargs, timeout: request.timeout)
        let observer = AttemptAuditor(pipeline: self, fields: common)
        let inFlight = metrics.tasksInFlight.labels(beeName)
        inFlight.increment()
        defer { inFlight.decrement() }
        let outcome: BeeOutcome
        do {
            outcome = try await bee.run(task, observer: observer)
        } catch {
            metrics.tasks.labels(beeName, funcname, "rejected").increment()
            let (code, message, retryAfter): (String, String, Duration) =
                switch error {
                case .queueFull(let retryAfter): ("queue_full", "bee \(beeName) has max_queue tasks waiting", retryAfter)
                case .shuttingDown: ("shutting_down", "the sidecar is shutting down", .seconds(5))
                }
            _ = try? await record([AuditRecord(type: "task.failed", fields: common + [.init("error", .string(message)), .init("reason", .string(code)), .init("attempt", 0)])])
            return answer(.unavailable(code: code, message, retryAfter: retryAfter.retryAfterSeconds))
        }
        return await finish(outcome, id: id, fields: common, bee: beeName, funcname: funcname)
    }

    private func finish(_ outcome: BeeOutcome, id: String, fields: [JSONValue.Member], bee: String, funcname: String) async -> Answer {
        let record: AuditRecord
        let result: Answer
        let duration: Duration
        let label: String
        switch outcome {
        case .succeeded(let value, let attempts, let elapsed):
            duration = elapsed
            label = "succeeded"
            record = AuditRecord(type: "task.succeeded", fields: fields + [.init("attempt", .number(attempts)), .init("duration_ms", elapsed.millisecondsJSON)])
            result = Answer(status: 200, body: ["task_id": .string(id), "outcome": "succeeded", "result": value, "duration_ms": elapsed.millisecondsJSON])
        case .failed(let error, let attempts, let elapsed):
            duration = elapsed
            label = "failed"
            record = AuditRecord(type: "task.failed", fields: fields + [.init("attempt", .number(attempts)), .init("duration_ms", elapsed.millisecondsJSON), .init("error", .string(error))])
            result = Answer(status: 502, body: [
                "task_id": .string(id), "outcome": "failed", "error": ["code": "failed", "message": .string(error)], "duration_ms": elapsed.millisecondsJSON,
            ])
        case .timedOut(let attempts, let elapsed):
            duration = elapsed
            label = "timed_out"
            record = AuditRecord(type: "task.timed_out", fields: fields + [.init("attempt", .number(attempts)), .init("duration_ms", elapsed.millisecondsJSON)])
            result = Answer(status: 504, body: [
                "task_id": .string(id), "outcome": "timed_out",
                "error": ["code": "timed_out", "message": .string("the bee did not answer within its timeout")], "duration_ms": elapsed.millisecondsJSON,
            ])
        }
        let observe: @Sendable () -> Void = { [metrics] in
            metrics.tasks.labels(bee, funcname, label).increment()
            metrics.taskDuration.labels(bee, funcname).observe(duration.seconds)
            metrics.windows.record(bee: bee, funcname: funcname, seconds: duration.seconds, success: label == "succeeded")
        }
        // The bee has run, and the answer must not precede its record: retry while the client waits
        // (7 attempts over about 6 s, so a short disk hiccup still gets the real answer).
        var lastError: (any Error)? = nil
        for attempt in 0..<Self.terminalRecordAttempts {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(100 << (attempt - 1))) }
            do {
                try await self.record([record])
                observe()
                return result
            } catch {
                lastError = error
            }
        }
        // Still not durable: answer 503 but keep the id claimed, so a retry cannot run the bee again;
        // keep trying in the background and store the real outcome for replay once it is recorded.
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
            await self.idempotency.finish(id, response: .init(status: result.status, body: result.body))
            self.logger.notice("late outcome recorded", metadata: ["task_id": "\(id)", "outcome": "\(label)"])
        }
        var pending = answer(auditUnavailable(lastError ?? AuditDropped()))
        pending.idempotency = .keep
        return pending
    }

    /// An error answer. Errors come before a bee runs, so they never become the task's stored outcome.
    func answer(_ error: APIError) -> Answer {
        Answer(status: error.status, body: error.body, headers: error.headers, idempotency: .release)
    }
}

/// The audit log could not take the records (and did not throw because `fail_closed` is off).
struct AuditDropped: Error, CustomStringConvertible {
    var description: String { "the audit log dropped the records" }
}

/// Audits each attempt of a task: `task.started` with the attempt number; a retried attempt's
/// error travels on the next `task.started` as `retry_after_error`, so every task has exactly one
/// terminal record.
final class AttemptAuditor: BeeTaskObserver {
    let pipeline: TaskPipeline
    let fields: [JSONValue.Member]
    let lastError = Mutex<String?>(nil)

    init(pipeline: TaskPipeline, fields: [JSONValue.Member]) {
        self.pipeline = pipeline
        self.fields = fields
    }

    func attemptStarted(task: BeeTask, attempt: Int) async {
        var record = fields + [JSONValue.Member("attempt", .number(attempt))]
        if let previous = lastError.withLock({ $0 }) { record.append(.init("retry_after_error", .string(previous))) }
        _ = try? await pipeline.record([AuditRecord(type: "task.started", fields: record)])
    }

    func attemptFinished(task: BeeTask, attempt: Int, result: AttemptResult, duration: Duration, willRetry: Bool) async {
        if case .failed(let error, _) = result, willRetry { lastError.withLock { $0 = error } }
    }
}
