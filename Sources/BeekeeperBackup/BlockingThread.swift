import BeekeeperCore

/// Runs blocking work (libpq calls, which may scan a large table for seconds) on a serial queue
/// of its own, which gets a thread even when others block, so that the cooperative thread pool
/// keeps serving HTTP meanwhile.
enum BlockingThread {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(BackupError) -> T) async throws(BackupError) -> T {
        try await BlockingWork.run(labelled: "beekeeper.backup.libpq", body)
    }
}
