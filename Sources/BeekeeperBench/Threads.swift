#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
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
            #if canImport(Darwin)
            var created: pthread_t?
            #else
            var created = pthread_t()
            #endif
            let result = pthread_create(
                &created, nil,
                { argument in
                    Threads.begin(argument)
                    return nil
                }, start)
            precondition(result == 0, "pthread_create failed: \(result)")
            #if canImport(Darwin)
            threads.append(created!)
            #else
            threads.append(created)
            #endif
        }
        for thread in threads { pthread_join(thread, nil) }
    }

    /// The new thread's entry (the start argument is optional on Linux, not on Darwin).
    private static func begin(_ argument: UnsafeMutableRawPointer?) {
        Unmanaged<Start>.fromOpaque(argument!).takeRetainedValue().body()
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
