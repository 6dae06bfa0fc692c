import BeekeeperExecution
import Logging
import ServiceLifecycle

/// Owns the bees' lifetime: their workers are started before the HTTP server opens (see
/// `Sidecar.run`); on shutdown, after the HTTP server has drained, in-flight tasks finish and the
/// workers are stopped.
struct BeeService: Service {
    let bees: [Bee]
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await withTaskGroup(of: Void.self) { group in
            for bee in bees { group.addTask { await bee.shutdown() } }
        }
        logger.info("bees stopped")
    }
}
