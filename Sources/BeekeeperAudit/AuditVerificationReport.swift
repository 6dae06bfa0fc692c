/// What `AuditVerifier.verify` checked and the first fault, if any.
public struct AuditVerificationReport: Sendable, Equatable, CustomStringConvertible {
    public static func == (left: Self, right: Self) -> Bool {
        left.fault == right.fault && left.recordsChecked == right.recordsChecked && left.segmentsChecked == right.segmentsChecked
            && left.checkpointsVerified == right.checkpointsVerified && left.firstSeq == right.firstSeq && left.lastSeq == right.lastSeq
            && left.firstTrustedSeq == right.firstTrustedSeq && left.checkpointKeys == right.checkpointKeys && left.keyChecked == right.keyChecked
            && left.lastCheckpoint?.seq == right.lastCheckpoint?.seq && left.lastCheckpoint?.key == right.lastCheckpoint?.key
    }

    /// The first fault; nil when everything checked is intact.
    public var fault: AuditFault?
    public var recordsChecked = 0
    public var segmentsChecked = 0
    /// Checkpoint signatures that were checked and hold.
    public var checkpointsVerified = 0
    public var firstSeq: UInt64?
    public var lastSeq: UInt64?
    /// Set when the oldest segments are gone: the chain is trusted from this seq on (its own
    /// chain value is taken as given) and everything after it is checked. nil when the records
    /// start at seq 1 and were checked from chain_0.
    public var firstTrustedSeq: UInt64?
    /// The distinct keys (hex) that signed the checkpoints seen.
    public var checkpointKeys: [String] = []
    /// Whether checkpoint keys were compared with a given public key.
    public var keyChecked = false
    /// The newest checkpoint seen (its own seq) and the key that signed it.
    public var lastCheckpoint: (seq: UInt64, key: String)?

    public init() {}

    public var ok: Bool { fault == nil }

    public var description: String {
        if let fault { return fault.description }
        guard let firstSeq, let lastSeq else { return "OK: no audit records" }
        var text = "OK: \(recordsChecked) records in \(segmentsChecked) segment\(segmentsChecked == 1 ? "" : "s"), seq \(firstSeq)-\(lastSeq)"
        if let firstTrustedSeq {
            text += "; older segments are gone, trusts the chain from seq \(firstTrustedSeq)"
        } else {
            text += "; chain checked from chain_0"
        }
        text += "; \(checkpointsVerified) checkpoint signature\(checkpointsVerified == 1 ? "" : "s") verified"
        if !keyChecked, !checkpointKeys.isEmpty {
            text += " against the key in each checkpoint (no --pubkey given: \(checkpointKeys.joined(separator: ", ")))"
        }
        return text
    }
}
