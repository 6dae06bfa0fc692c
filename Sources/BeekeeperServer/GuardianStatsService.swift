import BeekeeperGuardian
import Logging
import ServiceLifecycle

/// Persists Guardian stats at most every `persist_interval`, and once more at shutdown.
struct GuardianStatsService: Service {
    let stats: GuardianStats
    let path: String
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var saved = stats.snapshot()
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                let current = stats.snapshot()
                if current != saved {
                    save(current)
                    saved = current
                }
            }
        }
        save(stats.snapshot())
    }

    func save(_ snapshot: GuardianStats.Snapshot) {
        do {
            try GuardianStatsStore.save(snapshot, to: path)
        } catch {
            logger.error("could not persist guardian stats", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}
