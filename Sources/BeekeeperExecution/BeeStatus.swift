/// A snapshot for `/readyz` and the `beekeeper_bee_*` metrics.
public struct BeeStatus: Sendable, Equatable {
    public var name: String
    /// Worker kind: at least one worker process is alive. Process kind: not shut down.
    public var up: Bool
    /// Worker processes alive and usable (0 for the process kind).
    public var liveWorkers: Int
    /// How many times a worker was restarted since start.
    public var restarts: UInt64
    /// Tasks admitted and not finished (running, or waiting between retries).
    public var inFlight: Int
    /// Tasks waiting for a slot.
    public var queued: Int

    public init(name: String, up: Bool, liveWorkers: Int, restarts: UInt64, inFlight: Int, queued: Int) {
        self.name = name
        self.up = up
        self.liveWorkers = liveWorkers
        self.restarts = restarts
        self.inFlight = inFlight
        self.queued = queued
    }
}
