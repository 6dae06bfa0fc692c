import BeekeeperAudit
import BeekeeperCore
import Logging
import ServiceLifecycle

/// Deletes sealed segments the shipper delivered once they are older than `audit.keep_shipped`.
/// Unshipped segments are never deleted, whatever their age.
struct AuditRetentionService: Service {
    let directory: String
    let keepShipped: Duration
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sweepOffThePool()
                try await Task.sleep(for: interval)
            }
        }
    }

    /// Sweeps often enough for a short `keep_shipped` to be honoured closely, at most every minute.
    static func interval(keepShipped: Duration) -> Duration {
        min(.seconds(60), max(.seconds(1), keepShipped / 2))
    }

    /// A sweep lists and stats the whole audit directory: on a thread of its own, not on Swift's
    /// cooperative pool, where at start it held up the HTTP listener (issue 14: on a slow
    /// filesystem a restart waited for thousands of stats).
    private func sweepOffThePool() async {
        await BlockingWork.run(labelled: "beekeeper.audit.retention") { sweep() }
    }

    func sweep() {
        do {
            let removed = try AuditSegments.removeShipped(directory: directory, keep: keepShipped)
            for segment in removed {
                logger.info("removed shipped audit segment past keep_shipped", metadata: ["segment": "\(segment.path)"])
            }
        } catch {
            logger.warning("audit retention sweep failed", metadata: ["error": "\(error)"])
        }
    }
}
