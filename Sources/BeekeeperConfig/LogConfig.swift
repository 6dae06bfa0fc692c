/// `log`: how the sidecar writes its own log lines to standard error (SPEC section 13).
public struct LogConfig: Sendable, Equatable {
    public enum Format: String, Sendable, Equatable, CaseIterable {
        /// `<ts> <level> beekeeper : key=value ... message`, for people.
        case text
        /// One JSON object per line (`ts`, `level`, `msg`, the metadata as members), for shippers.
        case json
    }

    /// swift-log's levels, by the names it uses.
    public enum Level: String, Sendable, Equatable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    public var format: Format = .text
    public var level: Level = .info
    public init() {}
}
