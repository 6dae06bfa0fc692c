/// What the ColonyOS source knows about itself, for `/readyz` and the keepalive.
struct ColoniesStatus: Sendable {
    var up = false
    var lastSuccess: ContinuousClock.Instant? = nil
    var lastError: String? = nil
    var lastErrorAt: ContinuousClock.Instant? = nil
    /// When the last assign (long poll or keepalive) was sent: the server's last sign of us.
    var lastAssignStarted = ContinuousClock.now
    var pollsInFlight = 0
    var inFlight = 0
    var owedReports = 0
    var assigned = 0
    var acknowledged = 0
    var lost = 0
}
