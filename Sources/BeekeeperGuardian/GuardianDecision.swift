/// What the Guardian says about one task. A block carries a stable reason (SPEC section 6):
/// `payload_too_large`, `arg_too_large`, `too_deep`, `unknown_funcname`, `pattern:<id>` or
/// `rule:<field>:<check>`; dashboards and audit queries match on it, so it never changes wording.
public enum GuardianDecision: Sendable, Equatable {
    case approved
    case blocked(reason: String)

    /// The block reason, nil when approved.
    public var reason: String? {
        if case .blocked(let reason) = self { return reason }
        return nil
    }

    public var isApproved: Bool { self == .approved }
}
