/// Where sealed segments go. Implementations return from `ship` only once the collector holds the
/// whole segment durably (a 2xx, or a synced copy), so the caller may then mark it shipped.
/// Shipping the same segment again must be harmless: a re-send after a lost acknowledgement
/// leaves one object with the same bytes, never two different ones.
public protocol ShipmentTarget: Sendable, CustomStringConvertible {
    /// `file`, `http`, `https` or `s3`.
    var kind: String { get }
    /// Delivers `shipment` as `<target><fileName>`. Cancelling the calling task abandons the
    /// transfer and throws `.cancelled`.
    func ship(_ shipment: Shipment) async throws(ShipmentError)
}
