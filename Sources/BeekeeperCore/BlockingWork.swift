package import Dispatch

/// Blocking work (file I/O, fsync, libpq, a long regex scan) awaited from async code without
/// occupying Swift's cooperative pool: its few threads serve HTTP and every task, and one
/// blocked there stalls them all.
package enum BlockingWork {
    /// Runs `body` on `queue` and hands its result, or its typed error, back to the awaiting task.
    ///
    /// A serial queue is "overcommit" in libdispatch: it gets a thread even when every pool thread
    /// is blocked (a concurrent queue waits for one), so work that must not wait behind other
    /// blocked work gets a serial queue of its own.
    package static func run<T: Sendable, Failure: Error>(
        on queue: DispatchQueue, _ body: @escaping @Sendable () throws(Failure) -> T
    ) async throws(Failure) -> T {
        try await result(on: queue, body).get()
    }

    /// ``run(on:_:)`` returning the `Result`, for callers that handle both outcomes in one place.
    package static func result<T: Sendable, Failure: Error>(
        on queue: DispatchQueue, _ body: @escaping @Sendable () throws(Failure) -> T
    ) async -> Result<T, Failure> {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Result(catching: body)) }
        }
    }

    /// ``run(on:_:)`` on a serial queue of its own, labelled `label`: for occasional long work
    /// (a backup's libpq calls, a shipment's file reads) that must not queue behind anything.
    package static func run<T: Sendable, Failure: Error>(
        labelled label: String, _ body: @escaping @Sendable () throws(Failure) -> T
    ) async throws(Failure) -> T {
        try await run(on: DispatchQueue(label: label), body)
    }
}
