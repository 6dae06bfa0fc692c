public import BeekeeperAudit
public import BeekeeperExecution
public import BeekeeperGuardian
import BeekeeperConfig
import BeekeeperMetrics
import BeekeeperCore
import Foundation
public import Logging
import Sodium
import Synchronization

/// The path of one task through the sidecar, whatever brought it: idempotency, Guardian, bee,
/// audit, metrics. It knows nothing of HTTP or ColonyOS: sources turn their requests into a
/// ``TaskSubmission`` and the ``TaskOutcome`` into their own answer. Every final outcome is
/// returned only after the audit records behind it are durable.
public final class TaskPipeline: Sendable {
    /// Attempts at a terminal record while the source waits (delays 0.1 s doubling to 3.2 s).
    static let terminalRecordAttempts = 7

    public let recorder: AuditRecorder
    /// Replaced by a configuration reload; each task reads it once (``guardian``).
    private let currentGuardian: Mutex<Guardian>
    let beesByFuncname: [String: Bee]
    let beeNames: [String: String]
    package let idempotency: IdempotencyStore
    public let metrics: SidecarMetrics
    let logger: Logger

    public convenience init(recorder: AuditRecorder, guardian: Guardian, bees: [Bee], idempotencyJournal: String, logger: Logger) {
        self.init(
            recorder: recorder, guardian: guardian, bees: bees,
            idempotency: IdempotencyStore(journalPath: idempotencyJournal, logger: logger), logger: logger)
    }

    /// With a store of the caller's (tests: one whose journal fails on demand).
    init(recorder: AuditRecorder, guardian: Guardian, bees: [Bee], idempotency: IdempotencyStore, logger: Logger) {
        var byFuncname: [String: Bee] = [:]
        var names: [String: String] = [:]
        for bee in bees {
            for funcname in bee.configuration.funcnames {
                byFuncname[funcname] = bee
                names[funcname] = bee.configuration.name
            }
        }
        self.recorder = recorder
        self.currentGuardian = Mutex(guardian)
        self.beesByFuncname = byFuncname
        self.beeNames = names
        self.idempotency = idempotency
        self.metrics = recorder.metrics
        self.logger = logger
    }

    public var audit: AuditLog { recorder.audit }

    /// The Guardian in force now.
    public var guardian: Guardian { currentGuardian.withLock { $0 } }

    /// Judges tasks that arrive from now on with `guardian`; tasks already checked keep their decision.
    public func replace(guardian: Guardian) {
        currentGuardian.withLock { $0 = guardian }
    }

    @discardableResult
    public func record(_ records: [AuditRecord], followedBy followUp: AuditFollowUp? = nil) async throws -> [UInt64] {
        try await recorder.record(records, followedBy: followUp)
    }

    /// The stored final outcome of an id, if it finished within the replay window.
    public func storedOutcome(of id: String) async -> TaskOutcome? {
        await idempotency.finished(id).map { TaskOutcome(taskID: id, kind: $0, replayed: true) }
    }

    // MARK: The entry point

    /// Runs one task: a repeated id is answered from its stored outcome (audited as
    /// `task.duplicate`), a new one goes through Guardian and bee.
    public func run(_ submission: TaskSubmission) async -> TaskOutcome {
        let id = submission.id ?? RandomUUID.next()
        switch await idempotency.claim(id, payloadSHA256: submission.payloadSHA256) {
        case .claimed:
            break
        case .reused(let original):
            do {
                try await record([duplicateRecord(submission, id: id, state: "reused", originalSHA256: original)])
            } catch {
                return TaskOutcome(taskID: id, kind: .rejected(.auditUnavailable))
            }
            return TaskOutcome(taskID: id, kind: .idReused(originalSHA256: original))
        case .running:
            _ = try? await record([duplicateRecord(submission, id: id, state: "running")])
            return TaskOutcome(taskID: id, kind: .inProgress)
        case .unreadable:
            _ = try? await record([duplicateRecord(submission, id: id, state: "unreadable")])
            return TaskOutcome(taskID: id, kind: .rejected(.replayUnavailable))
        case .finished(let stored):
            do {
                try await record([duplicateRecord(submission, id: id, state: "finished")])
            } catch {
                return TaskOutcome(taskID: id, kind: .rejected(.auditUnavailable))
            }
            return TaskOutcome(taskID: id, kind: stored, replayed: true)
        }
        let (outcome, journalledAt) = await execute(submission, id: id)
        switch outcome.kind {
        case .succeeded, .failed, .timedOut, .blocked:
            // Marked finished in memory once its record (and, on the task path, its journal line)
            // is durable, before the answer: a concurrent duplicate in between sees it running.
            if let journalledAt {
                await idempotency.finished(id, outcome: outcome.kind, journalledAt: journalledAt)
            } else {
                await idempotency.finish(id, outcome: outcome.kind)
            }
        case .rejected: await idempotency.release(id)
        case .inProgress, .idReused, .unrecorded: break
        }
        return outcome
    }

    // MARK: Common task fields

    func beeLabel(_ funcname: String) -> String { beeNames[funcname] ?? SidecarMetrics.noBee }
    func funcnameLabel(_ funcname: String) -> String { beeNames[funcname] == nil ? SidecarMetrics.unknownFuncname : funcname }

    func taskFields(id: String?, funcname: String, source: [JSONValue.Member] = []) -> [JSONValue.Member] {
        var fields: [JSONValue.Member] = id.map { [JSONValue.Member("task_id", .string($0))] } ?? []
        if let bee = beeNames[funcname] { fields.append(.init("bee", .string(bee))) }
        fields.append(.init("funcname", .string(funcname)))
        return fields + source
    }

    /// Fields of `task.received`: sizes and digests of the payload, never the payload itself;
    /// `audit.hmac_fields` as keyed digests so auditors can look them up by value.
    func receivedFields(_ submission: TaskSubmission, id: String) -> [JSONValue.Member] {
        var fields = taskFields(id: id, funcname: submission.funcname, source: submission.sourceFields)
        fields.append(.init("payload_bytes", .number(submission.payloadBytes)))
        fields.append(.init("payload_sha256", .string(submission.payloadSHA256)))
        fields.append(.init("actor", .string(submission.actor)))
        fields += audit.hmacMembers(for: ["args": submission.args, "kwargs": submission.kwargs])
        return fields
    }

    /// `task.duplicate`: the repeat's own payload digest, and for a reused id (`state: reused`) the
    /// digest of the payload that first claimed it, so an auditor sees both requests.
    func duplicateRecord(_ submission: TaskSubmission, id: String, state: JSONValue, originalSHA256: String? = nil) -> AuditRecord {
        var fields = taskFields(id: id, funcname: submission.funcname, source: submission.sourceFields)
            + [.init("state", state), .init("actor", .string(submission.actor)), .init("payload_sha256", .string(submission.payloadSHA256))]
        if let originalSHA256 { fields.append(.init("original_payload_sha256", .string(originalSHA256))) }
        return AuditRecord(type: "task.duplicate", fields: fields)
    }

    func guardianRequest(_ submission: TaskSubmission) -> GuardianRequest {
        GuardianRequest(funcname: submission.funcname, args: submission.args, kwargs: submission.kwargs, payloadBytes: submission.payloadBytes)
    }

    static func decisionRecord(_ decision: GuardianDecision, fields: [JSONValue.Member]) -> AuditRecord {
        switch decision {
        case .approved: return AuditRecord(type: "task.approved", fields: fields)
        case .blocked(let reason): return AuditRecord(type: "task.blocked", fields: fields + [.init("reason", .string(reason))])
        }
    }
}

extension TaskSubmission {
    /// Size and SHA-256 of the bytes a client sent, as a source fills them in.
    public static func digest(of body: [UInt8]) -> (bytes: Int, sha256: String) {
        (body.count, Hex.encode(SHA256.hash(body)))
    }
}
