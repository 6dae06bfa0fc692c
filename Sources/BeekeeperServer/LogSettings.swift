public import BeekeeperConfig
public import Logging
import Synchronization

/// The `log` section in force, shared by every logger the process made: a configuration reload
/// replaces it, and the next line written follows it.
public final class LogSettings: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var format: LogConfig.Format
        public var level: Logger.Level
    }

    private let current: Mutex<Snapshot>

    public init(_ configuration: LogConfig) {
        current = Mutex(Self.snapshot(configuration))
    }

    public var snapshot: Snapshot { current.withLock { $0 } }

    public func apply(_ configuration: LogConfig) {
        current.withLock { $0 = Self.snapshot(configuration) }
    }

    private static func snapshot(_ configuration: LogConfig) -> Snapshot {
        // The config's level names are swift-log's own.
        Snapshot(format: configuration.format, level: Logger.Level(rawValue: configuration.level.rawValue) ?? .info)
    }
}
