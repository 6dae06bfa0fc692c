/// The values `--type` and `--outcome` accept (SPEC section 7), so a typo is a usage error that
/// lists them instead of a query that quietly matches nothing.
extension AuditQuery {
    public static let recordTypes = [
        "sidecar.started", "sidecar.stopped", "task.received", "task.approved", "task.blocked", "task.started", "task.succeeded",
        "task.failed", "task.timed_out", "task.duplicate", "task.reported", "auth.denied", "backup.started", "backup.succeeded",
        "backup.failed", "segment.shipped", "audit.recovered", "audit.checkpoint", "audit.gap", "config.reloaded",
        "config.reload_failed", "colonies.reported", "colonies.lost",
    ]

    /// `outcome` matches a record's `outcome` member or its type `task.<outcome>`.
    public static let outcomes = ["received", "approved", "blocked", "started", "succeeded", "failed", "timed_out", "duplicate", "reported"]

    /// nil when `type` is a known type or `<known prefix>.*`; else why not, with the valid values.
    public static func problem(type: String) -> String? {
        if recordTypes.contains(type) { return nil }
        let prefixes = Set(recordTypes.map { String($0.prefix(while: { $0 != "." })) + ".*" })
        if prefixes.contains(type) || type == "*" { return nil }
        return "unknown type \"\(type)\"; valid: \(recordTypes.joined(separator: ", ")), or a prefix such as \(prefixes.sorted().joined(separator: ", "))"
    }

    /// nil when `outcome` is one of ``outcomes``; else why not, with the valid values.
    public static func problem(outcome: String) -> String? {
        outcomes.contains(outcome) ? nil : "unknown outcome \"\(outcome)\"; valid: \(outcomes.joined(separator: ", "))"
    }
}
