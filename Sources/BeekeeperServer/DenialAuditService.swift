import BeekeeperPipeline
import Logging
import ServiceLifecycle

/// Writes the aggregate `auth.denied` records of ``DenialLedger`` every interval, and the last
/// ones at shutdown (it stops before the audit log closes).
struct DenialAuditService: Service {
    let ledger: DenialLedger
    let pipeline: TaskPipeline
    let logger: Logger
    /// How often the interval is looked at again while aggregation is off.
    static let idleCheck = Duration.seconds(1)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // With aggregation off (0s) there is nothing to wait for but a reload turning it on
                // again; sleeping 0 s would spin a core.
                let interval = ledger.interval
                try await Task.sleep(for: interval > .zero ? interval : DenialAuditService.idleCheck)
                await flush()
            }
        }
        await flush()
    }

    func flush() async {
        let records = ledger.drain()
        guard !records.isEmpty else { return }
        do {
            _ = try await pipeline.record(records)
        } catch {
            logger.error("could not audit aggregated denials", metadata: ["records": "\(records.count)", "error": "\(error)"])
        }
    }
}
