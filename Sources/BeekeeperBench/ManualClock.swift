import Synchronization

/// A clock the benchmark moves by hand, so a latency window can be filled across all its slices
/// in a fraction of a second and scraped at a chosen moment.
struct ManualClock: Clock {
    struct Instant: InstantProtocol {
        var offset: Duration

        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private final class Time: Sendable {
        let nanoseconds = Atomic<Int64>(0)
    }

    private let time = Time()

    var now: Instant { Instant(offset: .nanoseconds(time.nanoseconds.load(ordering: .relaxed))) }
    var minimumResolution: Duration { .nanoseconds(1) }

    func set(_ offset: Duration) {
        let (seconds, attoseconds) = offset.components
        time.nanoseconds.store(seconds * 1_000_000_000 + attoseconds / 1_000_000_000, ordering: .relaxed)
    }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        // Nothing sleeps on this clock in the benchmarks; yield rather than block if something does.
        await Task.yield()
    }
}
