import Synchronization

/// `auth.rate_limit`: one token bucket per key (SPEC sections 3 and 4). Each key has its own
/// bucket, so one busy key cannot take another's share; a request that finds its bucket empty is
/// refused with the seconds until a token is back (for `Retry-After`).
public final class KeyRateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    public let rate: Double
    public let burst: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(rate: Double, burst: Int) {
        self.rate = rate
        self.burst = max(1, burst)
    }

    /// Takes a token from `key`'s bucket: nil when there was one, else the whole seconds (at
    /// least 1) until there will be. Keys are the configured names only, so the table is bounded.
    public func take(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: Double(burst), updated: now)
            let elapsed = bucket.updated.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(Double(burst), bucket.tokens + max(0, seconds) * rate)
            bucket.updated = now
            defer { buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }
}
