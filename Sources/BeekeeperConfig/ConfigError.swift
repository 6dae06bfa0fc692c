/// A configuration that cannot be used, located as precisely as the source allows: the file and
/// line of the offending key or value, or the environment variable that carried it.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The configuration file; nil for built-in defaults, environment variables and unnamed text.
    public var file: String?
    /// 1-based line of the offending key or value in the YAML, when known.
    public var line: Int?
    /// Dotted path of the key (`bees[1].timeout`, `audit.fsync`), or the environment variable's name.
    /// Empty when the problem is the file as a whole (missing, not YAML).
    public var key: String
    /// What is wrong, and where it helps, what is accepted.
    public var message: String

    public init(file: String?, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `FILE:LINE: KEY: MESSAGE`, or `environment BEEKEEPER_AUDIT_FSYNC: MESSAGE` for a variable.
    public var description: String {
        var parts: [String] = []
        if let file {
            parts.append(line.map { "\(file):\($0)" } ?? file)
        } else if let line {
            parts.append("line \(line)")
        } else if key.hasPrefix(EnvironmentOverrides.prefix) {
            return "environment \(key): \(message)"
        }
        if !key.isEmpty { parts.append(key) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}

/// Every error one reading of the configuration found (`ConfigurationLoader.loadReportingAll`),
/// in order; never empty. Described one error a line.
public struct ConfigErrors: Error, CustomStringConvertible, Equatable, Sendable {
    public var errors: [ConfigError]

    public init(errors: [ConfigError]) {
        precondition(!errors.isEmpty, "ConfigErrors holds at least one error")
        self.errors = errors
    }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
