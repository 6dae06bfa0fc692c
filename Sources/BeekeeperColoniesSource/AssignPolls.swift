import BeekeeperColonies
import Synchronization

/// The long polls in flight, one per slot, so shutdown can abandon them at once instead of
/// waiting up to `assign_timeout` for each. (A process the server assigns at the very moment a
/// poll is abandoned stays with this executor; the next start finds it as an orphan.)
final class AssignPolls: Sendable {
    private let tasks = Mutex<[Int: Task<ColoniesProcess?, any Error>]>([:])
    private let cancelled = Atomic<Bool>(false)

    /// Runs `poll` as slot `slot`'s current long poll.
    func run(_ slot: Int, _ poll: @escaping @Sendable () async throws(ColoniesError) -> ColoniesProcess?) async -> Result<ColoniesProcess?, ColoniesError> {
        let task = Task { try await poll() }
        tasks.withLock { $0[slot] = task }
        if cancelled.load(ordering: .relaxed) { task.cancel() }
        defer { _ = tasks.withLock { $0.removeValue(forKey: slot) } }
        do {
            return .success(try await task.value)
        } catch let error as ColoniesError {
            return .failure(error)
        } catch {
            return .failure(.cancelled)
        }
    }

    func cancelAll() {
        cancelled.store(true, ordering: .relaxed)
        for task in tasks.withLock({ Array($0.values) }) { task.cancel() }
    }
}
