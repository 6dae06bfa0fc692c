import BeekeeperCore

/// A record checked and serialized once, on its way to the writer: `body` is the part of its
/// line that does not depend on where it lands in the log, `"type":"…"` and the fields, so the
/// writer only puts seq and ts in front, hashes and appends the chain.
struct PreparedRecord: Sendable {
    /// Kept for `commitObserver` (Guardian stats) and the per-type statistics.
    var record: AuditRecord
    /// `"type":<type>` then `,<key>:<value>` for each field, exactly as the String writer would.
    var body: [UInt8]

    /// Serializes without checking: for the records the log writes itself, and for callers'
    /// records after `AuditLog.prepare` checked them.
    init(_ record: AuditRecord) {
        self.record = record
        var body: [UInt8] = []
        body.reserveCapacity(64 + record.fields.count * 40)
        body.append(contentsOf: Self.typeKey)
        JSONValue.writeString(record.type, to: &body)
        for member in record.fields {
            body.append(0x2C)
            JSONValue.writeString(member.key, to: &body)
            body.append(0x3A)
            member.value.write(to: &body)
        }
        self.body = body
    }

    private static let typeKey: [UInt8] = Array(#""type":"#.utf8)
}
