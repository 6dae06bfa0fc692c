import BeekeeperCore

/// A record checked (and its `hmac_fields` members HMACed) by `AuditLog.prepare`, on its way to
/// the writer. It is serialized once, by the writer, straight into the line buffer it hashes
/// and writes (``writeBody(to:)``): no per-record byte array in between, since a body that is
/// allocated, filled, copied into the line and freed cost more than writing it in place.
struct PreparedRecord: Sendable {
    /// Kept for `commitObserver` (Guardian stats) and the per-type statistics. A `let`: the
    /// bound below is computed from it once.
    let record: AuditRecord
    /// At least the bytes ``writeBody(to:)`` writes (``JSONValue/byteBound`` of each part): the
    /// writer reserves the line's room from it without scanning a string.
    let bodyBound: Int

    /// Wraps without checking: for the records the log writes itself, and for callers'
    /// records after `AuditLog.prepare` checked them.
    init(_ record: AuditRecord) {
        self.record = record
        var bound = Self.typeKey.utf8CodeUnitCount + JSONValue.byteBound(ofString: record.type)
        for member in record.fields {
            bound += 2 + JSONValue.byteBound(ofString: member.key) + member.value.byteBound
        }
        bodyBound = bound
    }

    /// Writes `"type":<type>` then `,<key>:<value>` for each field, exactly as the String
    /// writer would: the part of the line that does not depend on where it lands in the log.
    func writeBody(to output: inout JSONByteWriter) {
        output.append(Self.typeKey)
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
        body.appendWritten(atMost: bodyBound) { writeBody(to: &$0) }
        return body
    }

    private static let typeKey: StaticString = #""type":"#
}
