import BeekeeperAuth
import BeekeeperConfig

/// The `http` limits and `auth.rate_limit` as the running listener holds them, which a reload
/// (SIGHUP) replaces in place: the edge's timeouts, linger, shutdown grace, header size and
/// connection cap (``EdgeLimits``), the body budget, the denial audit interval and the per-key
/// rate limit. Only `listen` needs a restart: the socket is bound once.
struct LiveHTTPLimits: Sendable {
    let edge: EdgeLimits
    let bodyBudget: BodyBudget
    let denials: DenialLedger
    let rateLimiter: KeyRateLimiter

    /// Applies the new limits; returns the keys whose values changed, for the log and the audit.
    @discardableResult
    func apply(http: HTTPConfig, rateLimit: AuthConfig.RateLimit?) -> [String] {
        let old = edge.configuration
        var changed: [String] = []
        func compare<Value: Equatable>(_ key: String, _ value: (HTTPConfig) -> Value) {
            if value(old) != value(http) { changed.append("http." + key) }
        }
        compare("max_header_bytes") { $0.maxHeaderBytes }
        compare("header_timeout") { $0.headerTimeout }
        compare("body_timeout") { $0.bodyTimeout }
        compare("body_min_rate") { $0.bodyMinRate }
        compare("idle_timeout") { $0.idleTimeout }
        compare("max_connections") { $0.maxConnections }
        compare("max_body_bytes_in_flight") { $0.maxBodyBytesInFlight }
        compare("linger") { $0.linger }
        compare("linger_bytes") { $0.lingerBytes }
        compare("shutdown_grace") { $0.shutdownGrace }
        compare("denied_audit_interval") { $0.deniedAuditInterval }
        let limit = rateLimit.map(\.limit)
        if rateLimiter.limit != limit { changed.append("auth.rate_limit") }
        edge.replace(http)
        bodyBudget.replace(limit: http.maxBodyBytesInFlight)
        denials.replace(interval: http.deniedAuditInterval)
        rateLimiter.replace(limit)
        return changed
    }
}

extension AuthConfig.RateLimit {
    /// The limiter's form of `auth.rate_limit`.
    var limit: KeyRateLimiter.Limit { KeyRateLimiter.Limit(rate: rate, burst: burst) }
}
