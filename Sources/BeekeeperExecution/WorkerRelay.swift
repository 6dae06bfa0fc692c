import Synchronization

/// Lets the stdin drain and the deadline watch reach a ``WorkerProcess`` that does not exist yet
/// when they are made (before the spawn), without a lasting reference cycle: the process holds
/// them, their callbacks hold this relay, and the supervisor detaches it when the process is
/// gone, which drops the only way back to the process.
final class WorkerRelay: Sendable {
    private let target = Mutex<WorkerProcess?>(nil)

    var worker: WorkerProcess? { target.withLock { $0 } }

    func attach(_ worker: WorkerProcess) {
        target.withLock { $0 = worker }
    }

    func detach() {
        target.withLock { $0 = nil }
    }
}
