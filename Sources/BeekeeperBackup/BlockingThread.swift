import Foundation

/// Runs blocking work (libpq calls, which may scan a large table for seconds) on a thread of
/// its own, so that the cooperative thread pool keeps serving HTTP meanwhile.
enum BlockingThread {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(BackupError) -> T) async throws(BackupError) -> T {
        let result: Result<T, BackupError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Result { () throws(BackupError) -> T in try body() })
            }
            thread.name = "beekeeper-backup-libpq"
            thread.start()
        }
        return try result.get()
    }
}
