/// A shipper that cannot start: an unusable target URL, or credentials it needs are missing.
public struct ShipperConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration key or environment variable to fix (`shipper.target`, `AWS_ACCESS_KEY_ID`).
    public var key: String
    public var message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "\(key): \(message)" }
}
