import BeekeeperShipper
import Synchronization

/// Forwards "a segment was sealed and compressed" from the audit log, opened first, to the
/// shipper, created later (or never, without `shipper.target`).
final class ShipperNudge: Sendable {
    private let shipper = Mutex<Shipper?>(nil)

    func attach(_ shipper: Shipper?) { self.shipper.withLock { $0 = shipper } }
    func nudge() { shipper.withLock { $0 }?.nudge() }
}
