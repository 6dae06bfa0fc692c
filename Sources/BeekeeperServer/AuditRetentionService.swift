import BeekeeperAudit
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
                sweep()
                try await Task.sleep(for: interval)
            }
        }
    }

    /// Sweeps often enough for a short `keep_shipped` to be honoured closely, at most every minute.
    static func interval(keepShipped: Duration) -> Duration {
        min(.seconds(60), max(.seconds(1), keepShipped / 2))
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
