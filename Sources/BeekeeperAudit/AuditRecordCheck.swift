/// The names a caller's record may not use, checked on their UTF-8 bytes: `prepare` runs these
/// for the type and every key of every record, and String comparisons against literals (the
/// earlier `switch`) went through the standard library's general comparison for each case.
enum AuditRecordCheck {
    /// Why `key` may not be a caller's field, or nil when it may.
    enum Reserved {
        /// `seq`, `ts`, `type`, `chain`: the log sets them.
        case setByLog
        /// `payload`, `args`, `kwargs`: they would record a raw payload.
        case rawPayload
    }

    static func reserved(_ key: String) -> Reserved? {
        var key = key
        return key.withUTF8 { bytes in
            switch bytes.count {
            case 2: return equals(bytes, "ts") ? .setByLog : nil
            case 3: return equals(bytes, "seq") ? .setByLog : nil
            case 4: return equals(bytes, "type") ? .setByLog : equals(bytes, "args") ? .rawPayload : nil
            case 5: return equals(bytes, "chain") ? .setByLog : nil
            case 6: return equals(bytes, "kwargs") ? .rawPayload : nil
            case 7: return equals(bytes, "payload") ? .rawPayload : nil
            default: return nil
            }
        }
    }

    /// Whether `type` is one the log writes itself (`audit.checkpoint`, `audit.recovered`,
    /// `audit.gap`): only a type starting `audit.` is compared in full.
    static func isLogType(_ type: String) -> Bool {
        var type = type
        let mayBe = type.withUTF8 { bytes in
            bytes.count >= 9 && equals(UnsafeBufferPointer(rebasing: bytes[0..<6]), "audit.")
        }
        return mayBe && (type == AuditChain.checkpointType || type == AuditChain.recoveredType || type == AuditChain.gapType)
    }

    @inline(__always)
    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let expected = literal.utf8Start
        for index in 0..<bytes.count where bytes[index] != expected[index] { return false }
        return true
    }
}
