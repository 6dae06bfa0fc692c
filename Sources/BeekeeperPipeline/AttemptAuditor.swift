import BeekeeperAudit
import BeekeeperCore
import BeekeeperExecution
import Synchronization

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
        // No durable wait of its own (SPEC 1 asks for two per task: approval and outcome): the
        // outcome record's fdatasync covers it, and a crash before that loses only a start.
        await pipeline.recorder.recordDetached([AuditRecord(type: "task.started", fields: record)])
    }

    func attemptFinished(task: BeeTask, attempt: Int, result: AttemptResult, duration: Duration, willRetry: Bool) async {
        if case .failed(let error, _) = result, willRetry { lastError.withLock { $0 = error } }
    }
}
