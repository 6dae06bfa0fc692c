import BeekeeperCore
import Dispatch
import Synchronization

/// Runs blocking file work (reads, writes, fsync) on threads of its own, never on Swift's
/// cooperative pool, and lets the awaiting task cancel it between chunks.
enum BlockingIO {

    /// Set when the awaiting task is cancelled; long loops check it between chunks.
    final class Cancellation: Sendable {
        private let flag = Atomic<Bool>(false)
        func cancel() { flag.store(true, ordering: .relaxed) }
        var isCancelled: Bool { flag.load(ordering: .relaxed) }

        func check() throws(ShipmentError) {
            if isCancelled { throw .cancelled }
        }
    }

    static func run<T: Sendable>(_ work: @escaping @Sendable (Cancellation) throws(ShipmentError) -> T) async throws(ShipmentError) -> T {
        let cancellation = Cancellation()
        let result = await withTaskCancellationHandler {
            // A serial queue of its own (overcommit: it gets a thread even when others block).
            await BlockingWork.result(on: DispatchQueue(label: "beekeeper.shipper.io")) { () throws(ShipmentError) -> T in
                try work(cancellation)
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }
}
