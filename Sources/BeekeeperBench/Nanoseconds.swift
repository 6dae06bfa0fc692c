#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A monotonic clock read as plain nanoseconds: cheaper than `ContinuousClock.now` arithmetic,
/// so per-operation timings carry as little of the clock's own cost as possible.
enum Nanoseconds {
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// Time one call of `body`, in nanoseconds.
    static func measure(_ body: () throws -> Void) rethrows -> UInt64 {
        let start = now()
        try body()
        return now() - start
    }

    /// The cost of reading this clock, subtracted from nothing but reported beside per-op timings.
    static func overhead() -> Double {
        let count = 200_000
        var sink: UInt64 = 0
        let start = now()
        for _ in 0..<count { sink &+= now() }
        let elapsed = now() - start
        blackHole(sink)
        return Double(elapsed) / Double(count)
    }
}

/// Keeps the optimizer from deleting work whose result is otherwise unused.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
