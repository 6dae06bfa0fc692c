#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What the shipper is doing and how it went, for `/readyz` and logs. Counts are since start.
public struct ShipperStatus: Sendable, Equatable {
    /// `file`, `http`, `https` or `s3`.
    public var targetKind: String
    /// The target, credentials hidden.
    public var target: String
    public var shipped: Int = 0
    public var failed: Int = 0
    /// Failed attempts since the last success; the backoff grows with it.
    public var consecutiveFailures: Int = 0
    public var lastError: String?
    public var lastErrorAt: Date?
    public var lastSuccessAt: Date?
    /// The segment most recently acknowledged.
    public var lastShipped: String?
    /// When the next attempt is due while backing off after a failure.
    public var retryAt: Date?

    public init(targetKind: String, target: String) {
        self.targetKind = targetKind
        self.target = target
    }
}
