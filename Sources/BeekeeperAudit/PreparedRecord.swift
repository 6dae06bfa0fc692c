import BeekeeperCore

/// A record checked (and its `hmac_fields` members HMACed) by `AuditLog.prepare`, on its way to
/// the writer. It is serialized once, by the writer, straight into the line buffer it hashes
/// and writes (``writeBody(to:)``): no per-record byte array in between, since a body that is
/// allocated, filled, copied into the line and freed cost more than writing it in place.
struct PreparedRecord: Sendable {
    /// Kept for `commitObserver` (Guardian stats) and the per-type statistics.
    var record: AuditRecord

    /// Wraps without checking: for the records the log writes itself, and for callers'
    /// records after `AuditLog.prepare` checked them.
    init(_ record: AuditRecord) {
        self.record = record
    }

    /// Appends `"type":<type>` then `,<key>:<value>` for each field, exactly as the String
    /// writer would: the part of the line that does not depend on where it lands in the log.
    func writeBody(to output: inout [UInt8]) {
        AuditLineBuffer.append(#""type":"#, to: &output)
        JSONValue.writeString(record.type, to: &output)
        for member in record.fields {
            output.append(0x2C)
            JSONValue.writeString(member.key, to: &output)
            output.append(0x3A)
            member.value.write(to: &output)
        }
    }

    /// The body as its own bytes (tests compare it with the String writer's).
    var body: [UInt8] {
        var body: [UInt8] = []
        writeBody(to: &body)
        return body
    }
}
