import Synchronization

/// `auth.rate_limit`: one token bucket per key (SPEC sections 3 and 4). Each key has its own
/// bucket, so one busy key cannot take another's share; a request that finds its bucket empty is
/// refused with the seconds until a token is back (for `Retry-After`).
///
/// The limit can be replaced or turned off while requests are counted (a reload): buckets keep
/// what they hold, cut to the new burst, and refill at the new rate from then on.
public final class KeyRateLimiter: Sendable {
    public struct Limit: Sendable, Equatable {
        public var rate: Double
        public var burst: Int
        public init(rate: Double, burst: Int) {
            self.rate = rate
            self.burst = max(1, burst)
        }
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private struct State {
        var limit: Limit?
        var buckets: [String: Bucket] = [:]
    }

    private let state: Mutex<State>

    /// - Parameter limit: nil lets every request through (no `auth.rate_limit`).
    public init(limit: Limit?) {
        state = Mutex(State(limit: limit))
    }

    public convenience init(rate: Double, burst: Int) {
        self.init(limit: Limit(rate: rate, burst: burst))
    }

    /// The limit in force; nil: none.
    public var limit: Limit? { state.withLock { $0.limit } }

    /// Applies `limit` from the next request on; nil turns limiting off (and forgets the buckets).
    public func replace(_ limit: Limit?) {
        state.withLock { state in
            state.limit = limit
            guard let limit else {
                state.buckets.removeAll()
                return
            }
            state.buckets = state.buckets.mapValues { Bucket(tokens: min($0.tokens, Double(limit.burst)), updated: $0.updated) }
        }
    }

    /// Takes a token from `key`'s bucket: nil when there was one (or there is no limit), else the
    /// whole seconds (at least 1) until there will be. Keys are the configured names only, so the
    /// table is bounded.
    public func take(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        state.withLock { state in
            guard let limit = state.limit else { return nil }
            var bucket = state.buckets[key] ?? Bucket(tokens: Double(limit.burst), updated: now)
            let elapsed = bucket.updated.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(Double(limit.burst), bucket.tokens + max(0, seconds) * limit.rate)
            bucket.updated = now
            defer { state.buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / limit.rate).rounded(.up)))
        }
    }
}
