import BeekeeperPipeline
import Logging
import ServiceLifecycle

/// Writes the aggregate `auth.denied` records of ``DenialLedger`` every interval, and the last
/// ones at shutdown (it stops before the audit log closes).
struct DenialAuditService: Service {
    let ledger: DenialLedger
    let pipeline: TaskPipeline
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: ledger.interval)
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
