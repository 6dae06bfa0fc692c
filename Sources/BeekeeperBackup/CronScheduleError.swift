/// A schedule that is not a valid 5-field cron expression or macro.
public struct CronScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var expression: String
    public var reason: String

    public var description: String { "invalid schedule \"\(expression)\": \(reason)" }
}
