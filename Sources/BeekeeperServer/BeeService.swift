import BeekeeperExecution
import Logging
import ServiceLifecycle

/// Starts every bee's workers; on shutdown (after the HTTP server has drained) lets in-flight
/// tasks finish and stops the workers.
struct BeeService: Service {
    let bees: [Bee]
    let logger: Logger

    func run() async throws {
        for bee in bees { await bee.start() }
        try? await gracefulShutdown()
        await withTaskGroup(of: Void.self) { group in
            for bee in bees { group.addTask { await bee.shutdown() } }
        }
        logger.info("bees stopped")
    }
}
