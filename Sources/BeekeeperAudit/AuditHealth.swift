/// Whether the log can currently make records durable; `/readyz` and fail-closed refusal read it.
public enum AuditHealth: Sendable, Equatable, CustomStringConvertible {
    case writable
    /// The last write or fsync failed (for example ENOSPC or EIO). The log keeps retrying by
    /// itself and turns `writable` again once a write succeeds.
    case failing(reason: String)

    public var isWritable: Bool { self == .writable }

    public var description: String {
        switch self {
        case .writable: return "writable"
        case .failing(let reason): return "failing: \(reason)"
        }
    }
}
