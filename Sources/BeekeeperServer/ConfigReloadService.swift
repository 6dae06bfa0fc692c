import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on every SIGHUP until the sidecar drains. SIGHUP is what
/// `systemctl reload` and logrotate's postrotate send; it never stops the sidecar.
struct ConfigReloadService: Service {
    let reloader: ConfigReloader
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.info("SIGHUP: reloading the configuration")
            await reloader.reload()
        }
    }
}
