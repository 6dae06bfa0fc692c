#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Plain OS threads for the multi-threaded micro-benchmarks: exactly `count` threads, started
/// together behind a barrier, so "2 threads" means two threads contending, not a pool's guess.
enum Threads {
    private final class Start: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Runs `body(index)` on `count` new threads and waits for all of them.
    static func run(count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let ready = Barrier(parties: count)
        var threads: [pthread_t] = []
        for index in 0..<count {
            let start = Unmanaged.passRetained(Start { ready.arriveAndWait(); body(index) }).toOpaque()
            var thread = pthread_t()
            let result = pthread_create(
                &thread, nil,
                { argument in
                    Unmanaged<Start>.fromOpaque(argument!).takeRetainedValue().body()
                    return nil
                }, start)
            precondition(result == 0, "pthread_create failed: \(result)")
            threads.append(thread)
        }
        for thread in threads { pthread_join(thread, nil) }
    }
}

/// A spinning start line: every party returns once all have arrived.
final class Barrier: Sendable {
    private let parties: Int
    private let arrived = Atomic<Int>(0)

    init(parties: Int) { self.parties = parties }

    func arriveAndWait() {
        arrived.wrappingAdd(1, ordering: .acquiringAndReleasing)
        while arrived.load(ordering: .acquiring) < parties { sched_yield() }
    }
}
