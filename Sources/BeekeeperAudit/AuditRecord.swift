public import BeekeeperCore

/// One audit event before the log numbers it. The log adds `seq`, `ts` and `chain`; `fields`
/// follow `type` in the line, in this order (`task_id`, `bee`, `funcname`, `attempt`,
/// `duration_ms`, `reason`, `error`, `payload_bytes`, `payload_sha256`, `actor`, ...).
/// Never put a raw payload here: record its size and SHA-256, and HMAC the fields operators
/// must be able to look up (`AuditLog.hmacMembers(for:)`).
public struct AuditRecord: Sendable, Equatable {
    public var type: String
    public var fields: [JSONValue.Member]

    public init(type: String, fields: [JSONValue.Member] = []) {
        self.type = type
        self.fields = fields
    }

    public init(type: String, _ fields: KeyValuePairs<String, JSONValue>) {
        self.type = type
        self.fields = fields.map { JSONValue.Member($0.key, $0.value) }
    }
}
