public import BeekeeperAudit

/// Told of every shipment's outcome, on the shipper's task, in order. Keep it cheap: metrics,
/// an audit record. Both methods have empty defaults.
public protocol ShipperObserver: Sendable {
    /// The collector acknowledged `shipment` and its `.shipped` marker is durable.
    func shipped(_ shipment: Shipment, duration: Duration) async
    /// An attempt failed; it will be retried after the backoff.
    func failed(_ segment: AuditSegment, error: ShipmentError, consecutiveFailures: Int) async
}

extension ShipperObserver {
    public func shipped(_ shipment: Shipment, duration: Duration) async {}
    public func failed(_ segment: AuditSegment, error: ShipmentError, consecutiveFailures: Int) async {}
}
