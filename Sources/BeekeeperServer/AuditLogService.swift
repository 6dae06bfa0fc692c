import BeekeeperAudit
import BeekeeperCore
import BeekeeperPipeline
import Logging
import ServiceLifecycle

/// Keeps the audit log open for the sidecar's life. It is the first service in the group, so it
/// shuts down last: after the HTTP server and the bees have finished, it writes
/// `sidecar.stopped` and closes the log (flush, fsync, final checkpoint).
struct AuditLogService: Service {
    let audit: AuditLog
    let pipeline: TaskPipeline
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try await pipeline.record([AuditRecord(type: "sidecar.stopped", fields: [.init("reason", "signal")])])
        } catch {
            logger.error("could not record sidecar.stopped", metadata: ["error": "\(error)"])
        }
        try await audit.close()
    }
}
