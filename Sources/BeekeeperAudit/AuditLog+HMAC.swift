public import BeekeeperCore
import Sodium

extension AuditLog {
    static let hmacPrefix = "hmac-sha256:"

    /// `hmac-sha256:<hex>` of a field value under `key`. A string is authenticated as its
    /// UTF-8 text, anything else as its JSON text (`42`, `true`), so that the clear value an
    /// operator types (`audit query --field K=V`) always produces the same HMAC.
    public static func hmac(_ value: JSONValue, key: [UInt8]) -> String {
        if case .string(let text) = value { return hmac(text, key: key) }
        return hmac(value.serialized(), key: key)
    }

    public static func hmac(_ clearText: String, key: [UInt8]) -> String {
        hmacPrefix + Hex.encode(HMACSHA256.authenticate(clearText, key: key))
    }

    /// For each configured `hmac_fields` path present in `payload`, a member named after the
    /// path holding its HMAC, for the server to add to a task's records.
    public nonisolated func hmacMembers(for payload: JSONValue) -> [JSONValue.Member] {
        options.hmacFields.compactMap { path in
            payload.value(atPath: path).map { JSONValue.Member(path, .string(Self.hmac($0, key: hmacKey))) }
        }
    }
}
