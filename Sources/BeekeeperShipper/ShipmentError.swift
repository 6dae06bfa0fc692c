#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a shipment was not acknowledged. Every case is retried with backoff; none deletes anything.
public enum ShipmentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No HTTP answer: connection refused or reset, timeout, TLS failure, DNS (libcurl's code and text).
    case transport(code: Int, message: String)
    /// The collector answered, but not with 2xx. `detail` is a short, printable excerpt of its body
    /// (or where a redirect pointed: redirects are never followed).
    case rejected(status: Int, detail: String)
    /// The target already holds a different object under the segment's name. Never overwritten:
    /// an operator must find out why (two data directories shipping to one prefix?).
    case conflict(object: String, existingSHA256: String, localSHA256: String)
    /// A local or file-target system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// The segment's bytes changed between hashing and sending (they never should: sealed segments are immutable).
    case changedWhileShipping(path: String)
    /// The collector acknowledged the segment but its `.shipped` marker could not be written; the
    /// segment stays in the backlog and is shipped again (harmlessly: the same bytes).
    case marker(String)
    /// The upload was abandoned because the shipper is shutting down.
    case cancelled

    public var description: String {
        switch self {
        case .transport(let code, let message):
            return "no answer from the collector (curl error \(code)): \(message)"
        case .rejected(let status, let detail):
            return detail.isEmpty ? "collector answered HTTP \(status)" : "collector answered HTTP \(status): \(detail)"
        case .conflict(let object, let existing, let local):
            return "\(object) already exists at the target with different content (sha256 \(existing), ours \(local)); "
                + "refusing to overwrite it: does another data directory ship to the same target?"
        case .io(let operation, let path, let code):
            return "\(operation) \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .changedWhileShipping(let path):
            return "\(path) changed while it was being shipped"
        case .marker(let reason):
            return "the collector acknowledged the segment, but its shipped marker could not be written (it will be sent again): \(reason)"
        case .cancelled:
            return "shipment abandoned: shutting down"
        }
    }
}
