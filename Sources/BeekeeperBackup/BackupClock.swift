public import Foundation

/// The wall clock the scheduler reads and sleeps on; tests pass one that jumps.
public struct BackupClock: Sendable {
    public var now: @Sendable () -> Date
    public var sleepUntil: @Sendable (Date) async throws -> Void

    public init(now: @escaping @Sendable () -> Date, sleepUntil: @escaping @Sendable (Date) async throws -> Void) {
        self.now = now
        self.sleepUntil = sleepUntil
    }

    /// The system clock. Sleeps in steps of at most a minute and re-reads the wall clock, so that
    /// a clock step (NTP, a resumed VM) moves the wake-up with it instead of drifting.
    public static let system = BackupClock(now: { Date() }) { target in
        while true {
            let remaining = target.timeIntervalSinceNow
            if remaining <= 0 { return }
            try await Task.sleep(for: .milliseconds(Int64((min(remaining, 60) * 1000).rounded(.up))))
        }
    }
}
