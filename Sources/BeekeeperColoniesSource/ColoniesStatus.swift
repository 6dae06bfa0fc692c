/// What the ColonyOS source knows about itself, for `/readyz` and the keepalive.
struct ColoniesStatus: Sendable {
    var lastError: String? = nil
    /// When the last assign (long poll or keepalive) was sent: the server's last sign of us.
    var lastAssignStarted = ContinuousClock.now
    var pollsInFlight = 0
    var inFlight = 0
}
