import Synchronization

/// Set from a task's cancellation handler, read by libcurl's progress callback on the transfer thread.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func cancel() { self.value.store(true, ordering: .relaxed) }
    var isCancelled: Bool { self.value.load(ordering: .relaxed) }
}
