import BeekeeperAudit
import BeekeeperColonies
import BeekeeperConfig
import Synchronization
import BeekeeperCore
import BeekeeperMetrics
import BeekeeperPipeline
import Logging

extension ColoniesSource {
    /// One assigned process: run it through the pipeline, then report its outcome.
    func handle(_ process: ColoniesProcess) async {
        metrics.assigned.labels().increment()
        status.withLock { $0.inFlight += 1 }
        defer { status.withLock { $0.inFlight -= 1 } }
        let assignedAt = ContinuousClock.now
        if process.maxExecTime == 0 {
            // COLONYOS.md section 5: the server takes such a process back about a second after assignment.
            logger.warning("colonies: process has maxexectime 0; the server will take it back almost at once", metadata: ["process_id": "\(process.processID)"])
        }
        let outcome = await runToFinalOutcome(submission(for: process, assignedAt: assignedAt))
        guard let report = ColoniesReport(outcome) else { return }
        await deliver(report, for: process.processID)
    }

    /// The pipeline's view of a process (SPEC section 11): the process id is the task id, the
    /// initiator the actor, and every record carries the colony.
    func submission(for process: ColoniesProcess, assignedAt: ContinuousClock.Instant) -> TaskSubmission {
        let spec = process.raw["spec"] ?? .null
        let digest = TaskSubmission.digest(of: Array(spec.serialized().utf8))
        var deadline: ContinuousClock.Instant? = nil
        if process.maxExecTime > 0 {
            // Leave time to report before the server's own deadline passes.
            let limit = Duration.seconds(process.maxExecTime)
            deadline = assignedAt + limit - min(.seconds(2), limit / 4)
        }
        return TaskSubmission(
            id: process.processID, funcname: process.funcname, args: process.args, kwargs: process.kwargs, deadline: deadline,
            actor: process.initiatorName.isEmpty ? process.initiatorID : process.initiatorName,
            payloadBytes: digest.bytes, payloadSHA256: digest.sha256, sourceFields: [.init("colony", .string(configuration.colony))])
    }

    /// Runs a submission until its outcome is final. Nothing ran when the pipeline refuses
    /// (queue full, audit unavailable), so trying again is safe; an id still in flight (the
    /// server handed the process back to us) waits for that run and reports its outcome.
    func runToFinalOutcome(_ submission: TaskSubmission) async -> TaskOutcome.Kind {
        var delay = Self.backoff.initial
        while true {
            let outcome = await pipeline.run(submission)
            switch outcome.kind {
            case .succeeded, .failed, .timedOut, .blocked:
                return outcome.kind
            case .rejected(.shuttingDown):
                return .failed(error: "beekeeper is shutting down; the process did not run", attempts: 0, duration: .zero)
            case .rejected(let rejection):
                if isStopping { return .failed(error: "beekeeper could not run the process: \(rejection.code)", attempts: 0, duration: .zero) }
                logger.warning("colonies: task refused, retrying", metadata: ["process_id": "\(outcome.taskID)", "reason": "\(rejection.code)"])
            case .idReused(let original):
                // A process's spec does not change, so this is not a retry: never run it under the id.
                return .failed(error: "the process id was already used for a different spec (sha256 \(original))", attempts: 0, duration: .zero)
            case .inProgress, .unrecorded:
                break
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    // MARK: Reports

    /// Makes the report owed (durably), then sends it until the server answers for good.
    func deliver(_ report: ColoniesReport, for processID: String) async {
        await owed.owe(processID, report)
        await send(report, for: processID)
    }

    /// Sends an owed report until acknowledged or refused for good; both answers are audited and
    /// settle the debt. Left owed (for the next start) only when shutdown has begun and the
    /// server stays away past ``drainReportLimit``.
    func send(_ report: ColoniesReport, for processID: String) async {
        var delay = Self.backoff.initial
        var stopDeadline: ContinuousClock.Instant? = nil
        while true {
            let result: Result<Void, ColoniesError>
            do throws(ColoniesError) {
                switch report {
                case .close(let out): try await client.closeSuccessful(processID: processID, out: out)
                case .fail(let errors): try await client.closeFailed(processID: processID, errors: errors)
                }
                result = .success(())
            } catch {
                result = .failure(error)
            }
            noteCall(result, aboutUs: false)
            switch ReportVerdict.classify(result, reported: report.reportedState) {
            case .acknowledged:
                await settle(processID, type: "colonies.reported", fields: [.init("report", .string(report.kind))], result: "acknowledged")
                return
            case .endedElsewhere(let message), .lost(let message):
                logger.warning("colonies: report refused for good", metadata: ["process_id": "\(processID)", "message": "\(message)"])
                await settle(processID, type: "colonies.lost", fields: [.init("report", .string(report.kind)), .init("error", .string(message))], result: "lost")
                return
            case .retry(let message):
                if isStopping {
                    let deadline = stopDeadline ?? ContinuousClock.now + Self.drainReportLimit
                    stopDeadline = deadline
                    if ContinuousClock.now >= deadline {
                        logger.warning("colonies: report left owed for the next start", metadata: ["process_id": "\(processID)", "error": "\(message)"])
                        return
                    }
                }
                logger.info("colonies: report not delivered, retrying", metadata: ["process_id": "\(processID)", "error": "\(message)", "retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, Self.backoff.maximum)
            }
        }
    }

    /// Audits the server's answer and settles the debt. If the record cannot be written, the
    /// report stays owed and is sent again later (the server then answers "already").
    private func settle(_ processID: String, type: String, fields: [JSONValue.Member], result: String) async {
        let record = AuditRecord(
            type: type,
            fields: [.init("task_id", .string(processID)), .init("colony", .string(configuration.colony))] + fields)
        do {
            try await pipeline.record([record])
        } catch {
            logger.error("colonies: could not audit a report's answer; it stays owed", metadata: ["process_id": "\(processID)", "error": "\(error)"])
            return
        }
        await owed.settle(processID)
        metrics.reports.labels(result).increment()
    }
}
